"""Long-lived child processes that outlive the driver: start in their own session, find, stop.

A pid alone can be reused after a process dies, so a process is named by its pid and its start time
(field 22 of /proc/PID/stat); a record whose start time no longer matches refers to a dead process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_PROC = Path("/proc")
# Tracks started by this run, kept so that Popen can reap them once they stop (and does not warn that
# they are still running when the driver drops them: they are meant to outlive it).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, or None if it is gone or a zombie."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        _reap(pid)
        return None
    return int(fields[19])


def _reap(pid: int) -> None:
    # A zombie that is our own child (started in this run) is collected here so it stops showing up.
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            del _CHILDREN[pid]
        return
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def alive(pid: int | None, ticks: int | None) -> bool:
    """True if the process recorded as (pid, ticks) is still the one running."""
    if not pid:
        return False
    current = start_ticks(pid)
    return current is not None and (ticks is None or current == ticks)


def spawn(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], stdout: Path, stderr: Path
) -> tuple[int, int]:
    """Start a process in a new session (its own process group) with output appended to files."""
    with stdout.open("ab") as out, stderr.open("ab") as err:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    _CHILDREN[process.pid] = process
    ticks = start_ticks(process.pid)
    return process.pid, ticks or 0


def group_alive(pgid: int) -> bool:
    """True while any process of the group (the track and its workers) is still there."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _group_has_live_member(pgid)


def _group_has_live_member(pgid: int) -> bool:
    # killpg(0) also succeeds for zombies; look for a member that is not one.
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid:
                if fields[0] != "Z":
                    return True
                _reap(int(entry.name))
    return False


def stop_group(pid: int, ticks: int | None, grace: float = 10.0) -> None:
    """SIGTERM the process group, wait up to `grace` seconds, then SIGKILL whatever is left."""
    if not alive(pid, ticks) and not group_alive(pid):
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, wait):
            return


def _wait_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pgid)
        if not group_alive(pgid):
            return True
        time.sleep(0.05)
    return False


def children(pid: int) -> list[int]:
    """Live (non-zombie) child processes of `pid`."""
    found = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found
