"""Paths confined to a folder (the repository, or a template folder), and reads with a size cap.

Light on imports: the fast path of `ci-gen check` uses it. A link that stays inside its folder is fine;
one that leaves it is refused, so nothing outside the repository is read, written or deleted through it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from generator.errors import UsageError

# No spec, template, lock or workflow ci-gen reads comes near this; a larger file is a mistake or an attack.
MAX_READ_BYTES = 4_000_000


class OutsideError(UsageError):
    """A path (or a link on the way to it) resolves outside the folder it must stay in."""


def is_inside(folder: Path, path: Path) -> bool:
    """True when `path`, with every link resolved, is `folder` or below it."""
    return path.resolve().is_relative_to(folder.resolve())


def confine(folder: Path, path: Path, what: str) -> Path:
    """`path` when it resolves inside `folder`; OutsideError naming `what` otherwise."""
    if not is_inside(folder, path):
        raise OutsideError(
            f"{what} '{path}' leaves {folder}: it resolves to {path.resolve()}, outside it",
            hint="ci-gen works only inside the project; replace the link with a real file or folder",
        )
    return path


def read_bytes_capped(path: Path, limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError for anything else (a device, a
    FIFO, a folder, a larger file), without reading more than `limit` + 1 bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit // 1_000_000} MB", str(path))
    return data


def read_text_capped(path: Path, limit: int = MAX_READ_BYTES) -> str:
    return read_bytes_capped(path, limit).decode("utf-8")
