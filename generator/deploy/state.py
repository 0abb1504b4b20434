"""Deploy state on disk, one folder per environment: what is stable, what is in flight, weights, phase.

Every write is atomic (write, fsync, rename), so a driver killed at any instant leaves either the old or
the new state, and the next run can converge from it. A lock file (flock plus the holder's pid) keeps two
deploys out of the same environment; the kernel drops the lock when its holder dies, so a stale lock is
taken over without guessing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from generator.deploy.release import Release
from generator.errors import DeployError

STATE_FILE = "state.json"
LOCK_FILE = "deploy.lock"
MAX_STATE_BYTES = 16_000_000
# Files under the state folder are opened without following a link in their last component.
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Process(_State):
    """A process ci-gen started: a pid is only trusted with the start time that names it uniquely."""

    # A pid ci-gen may signal: never 0 or 1 (the group, init), never negative (a process group).
    pid: int | None = Field(default=None, ge=2)
    start_ticks: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _pid_has_start_time(self) -> _Process:
        if self.pid is not None and self.start_ticks is None:
            raise ValueError("a pid without its start_ticks could name any process")
        return self


class TrackRecord(_Process):
    """A running track as its runtime knows it: a process (pid and start time) or a container name."""

    release: Release
    port: int = Field(ge=1, le=65535)
    container: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
    log: str | None = None  # where its stdout (prediction lines) goes, for the process runtime
    runtime: str | None = None  # process, podman or docker: what stops it if deploy.local.runtime changes


class RouterRecord(_Process):
    generation: int = 0


class MirrorRecord(_State):
    to: str  # the track receiving copies of the requests answered by the other one
    percent: int


class InFlight(_State):
    """The deploy under way: which release, which step it reached, what was observed so far."""

    stage: str
    strategy: str
    release: Release
    previous: Release | None
    step: int = 0
    phase: str = "starting"
    started: float = Field(default_factory=time.time)
    steps: list[dict[str, Any]] = Field(default_factory=list)
    timeline: list[dict[str, Any]] = Field(default_factory=list)
    # Stable's last well-sampled figures (with latencies), recorded before a later step relies on them.
    baseline: dict[str, Any] | None = None


class EnvState(_State):
    environment: str
    stable: Release | None = None
    tracks: dict[str, TrackRecord] = Field(default_factory=dict)
    weight: int = 0  # percent of user traffic sent to the candidate
    mirror: MirrorRecord | None = None
    router: RouterRecord = Field(default_factory=RouterRecord)
    deploy: InFlight | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)


class StateStore:
    """Reads and atomically writes one environment's state.json."""

    def __init__(self, folder: Path, environment: str) -> None:
        self.folder = folder
        self.environment = environment
        self.path = folder / STATE_FILE

    def load(self) -> EnvState:
        """The state as validated on load: a record that fails (a pid without its start time, a container
        name that would read as an option) is refused, not acted on."""
        try:
            raw = _read_nofollow(self.path)
        except FileNotFoundError:
            return EnvState(environment=self.environment)
        except OSError as exc:
            raise DeployError(f"deploy state {self.path} is unreadable: {exc.strerror}") from exc
        try:
            return EnvState.model_validate_json(raw)
        except (ValidationError, ValueError) as exc:
            raise DeployError(
                f"deploy state {self.path} is unreadable: {_first_error(exc)}",
                hint="inspect it; if the environment is stopped, delete the file to start afresh",
            ) from exc

    def save(self, state: EnvState) -> None:
        private_folder(self.folder)
        atomic_write(self.path, state.model_dump_json(indent=2) + "\n")


def private_folder(folder: Path) -> None:
    """Create the state folder readable by its owner only (it holds pids, logs and request bodies)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077 and folder.stat().st_uid == os.getuid():
        folder.chmod(0o700)


def _read_nofollow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(MAX_STATE_BYTES)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return exc.__class__.__name__


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, never a torn one. The
    temporary file is created afresh (O_EXCL, no links followed), so a planted link cannot redirect it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()  # a torn temporary file on a full disk only takes more room
        raise


class EnvironmentBusy(DeployError):
    """Another deploy holds the environment's lock."""


@contextlib.contextmanager
def deploy_lock(folder: Path, environment: str, what: str) -> Iterator[None]:
    """Hold the environment's lock for the block; refuse at once if a live process holds it."""
    private_folder(folder)
    path = folder / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
    except OSError as exc:  # ELOOP: a link planted in place of the lock file is refused, not truncated
        raise DeployError(f"cannot open the deploy lock {path}: {exc.strerror}") from exc
    try:
        _take(fd, path, environment)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "what": what, "since": time.time()}).encode())
        yield
    finally:
        os.close(fd)  # releases the flock


@contextlib.contextmanager
def leaves_nothing_if_refused(folder: Path) -> Iterator[None]:
    """A run that fails before it recorded anything (bad input found once the lock is taken, such as an
    image that is not on this host) removes what it created: the lock file and the folders it made."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    fresh = [p for p in (folder, *folder.parents) if existing is not None and existing in p.parents]
    had_lock = (folder / LOCK_FILE).exists()
    try:
        yield
    except BaseException:
        if not (folder / STATE_FILE).exists():
            if not had_lock:
                (folder / LOCK_FILE).unlink(missing_ok=True)
            for path in fresh:  # innermost first; only folders this run made, and only if empty
                with contextlib.suppress(OSError):
                    path.rmdir()
        raise


def _take(fd: int, path: Path, environment: str) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = lock_holder(path)
        who = f"pid {holder.get('pid')} ({holder.get('what', 'a deploy')})" if holder else "another process"
        raise EnvironmentBusy(
            f"environment '{environment}' is busy: {who} is deploying to it; nothing was changed",
            hint="wait for it to finish; if it hangs, stop that process and rerun (the rerun converges)",
        ) from None


def lock_holder(path: Path) -> dict[str, Any]:
    """Who wrote the lock file last (it may be stale: only the flock says whether it is held)."""
    try:
        data = json.loads(_read_nofollow(path) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lock_is_held(path: Path) -> bool:
    """True when a live process holds the lock (used by `ci-gen status`)."""
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class StateUnwritable(DeployError):
    """The state folder refused a write (read-only, full, gone): the deploy must fail safe from memory."""


MIN_FREE_BYTES = 32 * 1024 * 1024  # router and track logs grow while a deploy runs


def check_folder(folder: Path, environment: str) -> None:
    """Refuse to start on a state folder that cannot be written or is nearly full (exit 3, plainly)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-check.{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
        stats = os.statvfs(folder)
    except OSError as exc:
        raise _unwritable(folder, environment, exc, "before starting") from exc
    free = stats.f_bavail * stats.f_frsize
    if free < MIN_FREE_BYTES:
        raise DeployError(
            f"the state folder {folder} of '{environment}' is nearly full ({free // 1024} KiB free); "
            f"nothing was changed",
            hint=f"free at least {MIN_FREE_BYTES // (1024 * 1024)} MiB there (logs grow during a deploy)",
        )


def _unwritable(folder: Path, environment: str, exc: OSError, when: str) -> StateUnwritable:
    cause = exc.strerror or exc.__class__.__name__
    return StateUnwritable(
        f"cannot write the deploy state of '{environment}' in {folder} ({when}): {cause}",
        hint="make the folder writable and free some space, then rerun; the rerun converges",
    )


class Session:
    """The one in-memory copy of an environment's state that the driver and the target both change;
    `save` after every change, so disk always says what was last done. After a failed write the session
    goes on in memory only (`offline`), so the driver can still put traffic back on stable."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.state = store.load()
        self.offline: StateUnwritable | None = None

    def save(self) -> None:
        if self.offline is not None:
            return
        try:
            self.store.save(self.state)
        except OSError as exc:
            self.offline = _unwritable(self.store.folder, self.store.environment, exc, "mid-deploy")
            raise self.offline from exc
