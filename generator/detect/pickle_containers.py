"""The containers a pickled model comes in, told apart by their first bytes (joblib/compressor.py's
prefixes): plain, zlib, gzip, bz2, lzma, xz, lz4 frames, and joblib's own format before 0.10 (`ZF`).

lz4 is not in the standard library: a file compressed with it is read through the `lz4` package when it is
installed, and otherwise reported as unread, with why, never guessed at.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from typing import IO, cast

LIMIT = 512 * 1024 * 1024  # decompressed bytes read at most: a model, not a decompression bomb
LZ4_PREFIX = b"\x04\x22\x4d\x18"  # the lz4 frame magic number
ZF_PREFIX = b"ZF"  # joblib < 0.10: b"ZF", the data length in hex padded to 19 characters, then zlib
_ZF_LENGTH = len(hex(2**64))


class PickleReadError(Exception):
    """The file is not a pickle this reader understands; the message says why."""


def open_container(head: bytes, raw: IO[bytes]) -> tuple[str | None, IO[bytes]]:
    """The compression (None: a plain pickle) and a stream of the pickle's own bytes."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip", cast(IO[bytes], gzip.GzipFile(fileobj=raw))
    if head.startswith(b"BZh"):
        return "bz2", cast(IO[bytes], bz2.BZ2File(raw))
    if head.startswith(b"\xfd7zXZ") or head.startswith(b"\x5d\x00\x00"):
        return ("xz" if head.startswith(b"\xfd") else "lzma"), cast(IO[bytes], lzma.LZMAFile(raw))
    if head[:1] == b"\x78" and head[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
        return "zlib", io.BytesIO(inflate(raw.read()))
    if head.startswith(LZ4_PREFIX):
        return "lz4", _lz4(raw)
    if head.startswith(ZF_PREFIX):
        return "zlib (joblib < 0.10)", io.BytesIO(_zfile(raw))
    return None, raw


def inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    result = inflater.decompress(data, LIMIT)
    if inflater.unconsumed_tail:
        raise PickleReadError("decompresses to more than 512 MiB")
    return result


def _lz4(raw: IO[bytes]) -> IO[bytes]:
    try:
        from lz4.frame import LZ4FrameFile  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise PickleReadError(
            "an lz4-compressed joblib file, and the lz4 package that reads it is not installed where "
            "ci-gen runs (pip install lz4)"
        ) from None
    return cast(IO[bytes], LZ4FrameFile(raw))


def _zfile(raw: IO[bytes]) -> bytes:
    """joblib < 0.10's read_zfile: the header states the length, which the data must have."""
    header = raw.read(len(ZF_PREFIX) + _ZF_LENGTH)[len(ZF_PREFIX) :]
    try:
        length = int(header.decode("ascii").strip(), 16)
    except (UnicodeDecodeError, ValueError):
        raise PickleReadError("a joblib < 0.10 file (ZF) whose length header is not a number") from None
    rest = raw.read()
    data = inflate(rest[1:] if rest[:1] == b" " else rest)  # joblib <= 0.8.4 wrote one space more
    if len(data) != length:
        raise PickleReadError(f"a joblib < 0.10 file (ZF) of {len(data)} bytes; its header says {length}")
    return data
