"""Run one command of a step the way a runner does: its own process group, a log file, a deadline."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

MAX_LOG_BYTES = 2_000_000  # a step's log kept in the result; the file on disk has all of it


def run_logged(
    argv: list[str], *, cwd: Path, env: dict[str, str], log: Path, timeout: float, groups: list[int]
) -> int:
    """Run argv with stdout+stderr appended to `log`; return its exit code (124 on timeout, like `timeout`).

    The process group id goes into `groups`: what a step leaves running in the background lives on until
    the job ends, as on a runner, and `stop_groups` ends it then.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        groups.append(process.pid)
        try:
            return process.wait(timeout=max(timeout, 1))
        except subprocess.TimeoutExpired:
            stop_groups([process.pid])
            process.wait()
            out.write(f"\nrehearse: timed out after {timeout:.0f}s\n".encode())
            return 124


def stop_groups(groups: list[int]) -> None:
    """End the process groups this rehearsal started (never anything else)."""
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def read_log(log: Path) -> str:
    """The end of a log, up to MAX_LOG_BYTES, as text."""
    if not log.is_file():
        return ""
    size = log.stat().st_size
    with log.open("rb") as handle:
        handle.seek(max(0, size - MAX_LOG_BYTES))
        return handle.read().decode("utf-8", errors="replace")
