"""Long-lived processes that outlive the driver (and the CI job): start detached, find, stop.

A pid alone can be reused after a process dies, so a process is named by its pid and its start time
(field 22 of /proc/PID/stat); a record whose start time no longer matches refers to a dead process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from generator.errors import DeployError

_PROC = Path("/proc")


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
    # Tracks and router are re-parented to init, which reaps them; a zombie child of ours (a process
    # started some other way) is collected here so it stops showing up.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def alive(pid: int | None, ticks: int | None) -> bool:
    """True if the process recorded as (pid, ticks) is still the one running. Without its start time a
    pid may name any process by now, so it is never taken for ours."""
    if not pid or not ticks:
        return False
    return start_ticks(pid) == ticks


def spawn(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], stdout: Path, stderr: Path
) -> tuple[int | None, int | None]:
    """Start a process detached (its own session and process group, re-parented to init) with output
    appended to files; return its pid and start time, or (None, None) if it is already gone: a pid
    without its start time could name any process by the time it is used. See launch.py for why."""
    launcher = [sys.executable, "-I", str(Path(__file__).with_name("launch.py")), str(cwd), str(stdout)]
    launcher += [str(stderr), "--", *argv]
    result = subprocess.run(
        launcher, env=detached_env(env), capture_output=True, text=True, check=False, timeout=30
    )
    if result.returncode != 0 or not result.stdout.strip().isdigit():
        raise DeployError(f"could not start {argv[0]}: {result.stderr.strip() or 'no pid reported'}")
    pid = int(result.stdout.strip())
    ticks = start_ticks(pid)
    return (pid, ticks) if ticks is not None else (None, None)


def detached_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without RUNNER_TRACKING_ID: a GitHub runner ends every process carrying its job's id when
    the job ends, and the router and tracks must outlive it."""
    return {key: value for key, value in env.items() if key != "RUNNER_TRACKING_ID"}


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


def listeners(port: int) -> list[int]:
    """Pids of processes with a socket listening on TCP `port` (any address), from /proc/net."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, status, inode = fields[1], fields[3], fields[9]
            if status == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{inode}]")
    return _holders(inodes) if inodes else []


def _holders(links: set[str]) -> list[int]:
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):
                if str(fd.readlink()) in links:
                    found.append(int(entry.name))
                    break
    return found


def group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def describe(pid: int) -> str:
    """`pid N (command line)` for messages."""
    try:
        command = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        command = "gone"
    return f"pid {pid} ({command[:80]})"


def cwd_of(pid: int) -> Path | None:
    try:
        return (_PROC / str(pid) / "cwd").readlink()
    except OSError:
        return None
