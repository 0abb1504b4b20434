"""Free ports on 127.0.0.1: for the router's preflight, shadow-replay, the demo, tests and benchmarks."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from pathlib import Path


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


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for client sockets' local ports (a listener there can find its port taken)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def wait_free(port: int, timeout: float = 2.0) -> bool:
    """Whether `port` is free now or within `timeout` (a client socket holding it is short-lived)."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True
