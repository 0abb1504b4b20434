"""Cancellation by signal: the first SIGTERM or SIGINT cancels a deploy (it rolls back before exiting);
any signal that arrives while the rollback runs is noted and ignored, so a second SIGTERM from an impatient
CI runner cannot leave the environment half restored.

The CLI installs the handler; the driver marks the blocks that must not be interrupted with `shielded()`.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_shield = {"depth": 0, "ignored": 0}


def _cancel(signum: int, frame: FrameType | None) -> None:
    if _shield["depth"]:
        _shield["ignored"] += 1
        os.write(2, b"signal received while rolling back: the rollback finishes first\n")
        return
    raise KeyboardInterrupt


@contextmanager
def cancellable() -> Iterator[None]:
    """SIGTERM and SIGINT raise KeyboardInterrupt in the block, unless a shielded block is running."""
    previous = {sig: signal.signal(sig, _cancel) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def shielded() -> Iterator[None]:
    """Signals that arrive in this block are ignored (counted in `ignored()`)."""
    _shield["depth"] += 1
    try:
        yield
    finally:
        _shield["depth"] -= 1


def ignored() -> int:
    """How many signals shielded blocks have ignored in this process."""
    return _shield["ignored"]
