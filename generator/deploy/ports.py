"""Free ports on 127.0.0.1: for the router's preflight, shadow-replay, the demo, tests and benchmarks."""

from __future__ import annotations

import socket
from collections.abc import Iterable


def port_is_free(port: int) -> bool:
    """Whether a server could bind `port` on 127.0.0.1 now (SO_REUSEADDR, as nginx and gunicorn bind)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port the kernel says is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_port_block(size: int, bases: Iterable[int]) -> int:
    """The first of `bases` whose `size` consecutive ports are all free; LookupError when none is."""
    for base in bases:
        if all(port_is_free(base + offset) for offset in range(size)):
            return base
    raise LookupError(f"no block of {size} free ports on 127.0.0.1")
