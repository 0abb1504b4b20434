"""A Jinja bytecode cache in the user's cache folder, keyed by the digest of each template's source.

Compiling the templates is most of a render; the compiled code of an unchanged template is reused across
runs. Compiled code runs unsandboxed Python, and templates (override folders, packs) are written by others,
so an entry is only ever read from a folder that this user owns and nobody else can write to, through no
link; an entry's key covers its source, its name and file (tracebacks name them), the environment's
syntax settings and the Jinja and Python versions, and its payload carries its own digest, so a torn,
corrupted or stale entry is ignored and compiled afresh. Jinja's own file format (a pickled checksum) is
not used: unpickling is code execution before any check. Any failure of the cache only costs the compile.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys
import tempfile
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import __version__ as jinja_version
from jinja2.bccache import Bucket, BytecodeCache

from generator.packs.locate import cache_root

FORMAT = b"ci-gen-jinja-bytecode-1\n"
_DIGEST = hashlib.sha256().digest_size
MAX_ENTRY_BYTES = 8_000_000
MAX_ENTRIES = 256  # older entries (templates since changed) are pruned past this
_UNSAFE_MODE = stat.S_IWGRP | stat.S_IWOTH


def cache_folder() -> Path:
    """$CI_GEN_CACHE/templates, else $XDG_CACHE_HOME/ci-gen/templates, else ~/.cache/ci-gen/templates."""
    return cache_root() / "templates"


def template_cache() -> TemplateBytecodeCache | None:
    """The cache, or None when it is switched off (CI_GEN_NO_CACHE=1) or its folder is not safe to use."""
    if os.environ.get("CI_GEN_NO_CACHE") == "1":
        return None
    try:
        folder = cache_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError, KeyError):  # no home folder (RuntimeError, KeyError) or no room
        return None
    return TemplateBytecodeCache(folder) if private_folder(folder) else None


def private_folder(folder: Path) -> bool:
    """True when `folder` and its parent are real folders (not links) of this user that no one else can
    write to: nobody else can then plant or replace an entry."""
    return all(_private(path) for path in (folder, folder.parent))


def _private(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    owned = info.st_uid == os.geteuid()
    return stat.S_ISDIR(info.st_mode) and owned and not info.st_mode & _UNSAFE_MODE


class TemplateBytecodeCache(BytecodeCache):
    """Jinja's cache protocol over one private folder: `<key>` files of FORMAT, digest, marshalled code."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Bucket:
        key = entry_key(environment, name, filename, source)
        bucket = Bucket(environment, key, key)
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        data = _read_private(self.folder / bucket.key)
        code = decode_entry(data) if data is not None else None
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is None:
            return
        try:
            _write_atomic(self.folder, bucket.key, encode_entry(bucket.code))
            _prune(self.folder)
        except (OSError, ValueError):
            pass  # a read-only or full disk: the next run compiles again

    def clear(self) -> None:
        for path in self.folder.glob("*"):
            if len(path.name) == 64:
                path.unlink(missing_ok=True)


def entry_key(environment: Any, name: str, filename: str | None, source: str) -> str:
    """The digest that names an entry: everything the compiled code depends on."""
    digest = hashlib.sha256(FORMAT)
    digest.update(sys.implementation.cache_tag.encode() + b"\0" + jinja_version.encode() + b"\0")
    digest.update(_environment_fingerprint(environment).encode() + b"\0")
    digest.update(f"{name}\0{filename}\0".encode())
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _environment_fingerprint(environment: Any) -> str:
    settings = (
        f"{type(environment).__module__}.{type(environment).__qualname__}",
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
        environment.is_async,
        repr(environment.autoescape),
        sorted(environment.extensions),
        sorted(environment.filters),
        sorted(environment.tests),
    )
    return repr(settings)


def encode_entry(code: CodeType) -> bytes:
    payload = marshal.dumps(code)
    return FORMAT + hashlib.sha256(payload).digest() + payload


def decode_entry(data: bytes) -> CodeType | None:
    """The code in an entry, or None for anything else (another format, a torn or corrupted file)."""
    if not data.startswith(FORMAT):
        return None
    digest, payload = data[len(FORMAT) : len(FORMAT) + _DIGEST], data[len(FORMAT) + _DIGEST :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        code = marshal.loads(payload)  # noqa: S302 - read only from a private folder, digest checked
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _read_private(path: Path) -> bytes | None:
    """The bytes of a regular file of this user's that no one else can write, opened without following a
    link; None when it is missing or anything about it is off."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & _UNSAFE_MODE:
            return None
        if info.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return stream.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_atomic(folder: Path, key: str, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(folder / key)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(folder: Path) -> None:
    entries = [path for path in folder.iterdir() if len(path.name) == 64]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda path: path.stat().st_mtime)
    for path in entries[: len(entries) - MAX_ENTRIES]:
        path.unlink(missing_ok=True)
