"""How the local target runs one track: as a process (the spec's serve command) or a podman/docker container.

Every runtime makes the track answer on 127.0.0.1 at the port it is given and sends the service's stdout
(its JSON prediction lines) somewhere `output` can read it back. A process is told the port (`$PORT`); a
container listens on its own port (the spec's container.port), which is published on that loopback port,
so any image runs as built.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from generator.deploy.release import Release
from generator.deploy.state import TrackRecord
from generator.deploy.targets.local import images, procs
from generator.errors import DeployError, UsageError
from generator.podman import podman_env


@dataclass(frozen=True)
class TrackLaunch:
    """Everything a runtime needs to start one track."""

    name: str  # ci-gen-<environment>-<track>, unique on the host
    release: Release
    port: int  # where the track answers on 127.0.0.1
    env: Mapping[str, str]
    workdir: Path  # the project root (serve runs there)
    logs: Path  # folder for the track's output files
    container_port: int  # the port a container listens on inside (container.port)


class Runtime(Protocol):
    """Starts, checks and stops tracks; reads back their prediction log lines."""

    name: str

    def preflight(self, release: Release | None) -> None:
        """Raise UsageError (bad release) or DeployError (tool missing) before anything starts."""

    def start(self, launch: TrackLaunch) -> TrackRecord: ...

    def running(self, record: TrackRecord) -> bool: ...

    def stop(self, record: TrackRecord) -> None: ...

    def output(self, record: TrackRecord, offset: int) -> tuple[list[str], int]:
        """The track's stdout lines after `offset` (-1: none, just the current end) and the new offset."""
        ...

    def log_tail(self, record: TrackRecord, lines: int) -> tuple[str, list[str]]:
        """Where the track's log is (for a person to look) and its last `lines` lines."""
        ...


def track_env(launch: TrackLaunch) -> dict[str, str]:
    """The environment every track gets: where to listen, which model, which version and track."""
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(launch.port),
        "PYTHONUNBUFFERED": "1",
        "CI_GEN_TRACK": launch.name,
        "CI_GEN_VERSION": launch.release.version,
        **launch.env,
    }
    if launch.release.artifact:
        env["MODEL_PATH"] = launch.release.artifact
    return env


def log_evidence(runtime: Runtime, record: TrackRecord, lines: int = 20) -> str:
    """The end of a track's log, to append to a message saying that it failed."""
    where, tail = runtime.log_tail(record, lines)
    if not tail:
        return f"; its log ({where}) is empty"
    shown = "\n".join(f"    {line[:300]}" for line in tail)
    return f"\n  last lines of its log ({where}):\n{shown}"


def container_env(launch: TrackLaunch) -> dict[str, str]:
    """A container's environment: it listens on its own port on every interface of its own network (only
    the published loopback port reaches it); the model is inside the image."""
    env = {k: v for k, v in track_env(launch).items() if k != "MODEL_PATH"}
    return {**env, "HOST": "0.0.0.0", "PORT": str(launch.container_port), **launch.env}  # noqa: S104


def _last_lines(path: Path, count: int) -> list[str]:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64 * 1024))  # the end is enough; logs can be large
        return handle.read().decode("utf-8", "replace").strip().splitlines()[-count:]


class ProcessRuntime:
    """Runs the spec's serve command, one process group per track, output in the state folder."""

    name = "process"

    def __init__(self, serve: str) -> None:
        self.argv = shlex.split(serve)

    def preflight(self, release: Release | None) -> None:
        if release is not None and release.artifact is None:
            raise UsageError(
                "the process runtime deploys a model artifact, not an image",
                hint="pass --artifact PATH (and optionally --version), or set deploy.local.runtime: podman",
            )
        if shutil.which(self.argv[0]) is None and not Path(self.argv[0]).exists():
            raise DeployError(
                f"the serve command '{self.argv[0]}' is not on PATH", hint="install it or fix serve"
            )

    def start(self, launch: TrackLaunch) -> TrackRecord:
        launch.logs.mkdir(parents=True, exist_ok=True)
        out = launch.logs / f"{launch.name}.out"
        out.write_bytes(b"")  # a fresh track starts a fresh prediction log
        env = {**os.environ, **track_env(launch)}
        pid, ticks = procs.spawn(
            self.argv, cwd=launch.workdir, env=env, stdout=out, stderr=launch.logs / f"{launch.name}.err"
        )
        return TrackRecord(
            release=launch.release,
            port=launch.port,
            pid=pid,
            start_ticks=ticks,
            log=str(out),
            runtime=self.name,
        )

    def running(self, record: TrackRecord) -> bool:
        return procs.alive(record.pid, record.start_ticks)

    def stop(self, record: TrackRecord) -> None:
        if record.pid:
            procs.stop_group(record.pid, record.start_ticks)

    def output(self, record: TrackRecord, offset: int) -> tuple[list[str], int]:
        path = Path(record.log or "")
        size = path.stat().st_size if record.log and path.exists() else 0
        if offset < 0 or size <= offset:
            return [], size if offset < 0 else offset
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(size - offset)
        complete = data[: data.rfind(b"\n") + 1]
        return complete.decode("utf-8", "replace").splitlines(), offset + len(complete)

    def log_tail(self, record: TrackRecord, lines: int) -> tuple[str, list[str]]:
        # Errors and tracebacks go to stderr; a service that logs everything to stdout has it there.
        out = Path(record.log or "")
        for path in (out.with_suffix(".err"), out):
            if record.log and path.is_file() and path.stat().st_size:
                return str(path), _last_lines(path, lines)
        return str(out.with_suffix(".err")), []


# A model service needs no privileges: no capabilities but binding a port (an image may listen on 80), no
# privilege gain through setuid binaries, a read-only root with scratch space where servers expect it.
HARDENING = (
    "--cap-drop=ALL",
    "--cap-add=NET_BIND_SERVICE",
    "--security-opt=no-new-privileges",
    "--read-only",
    "--tmpfs=/tmp:rw,nosuid,nodev",
    "--tmpfs=/var/tmp:rw,nosuid,nodev",
)


class ContainerRuntime:
    """Runs the release's image with podman or docker: host network, 127.0.0.1 only. Preflight pulls an
    image given by digest and refuses one whose digest differs (images.py); `run` itself never pulls."""

    def __init__(self, tool: str) -> None:
        self.name = tool

    def preflight(self, release: Release | None) -> None:
        if shutil.which(self.name) is None:
            raise DeployError(
                f"{self.name} is not installed, and deploy.local.runtime is {self.name}",
                hint=f"install it (apt-get install {self.name}) or use runtime: process",
            )
        if release is None:
            return
        if release.image is None:
            raise UsageError(f"the {self.name} runtime deploys an image", hint="pass --image NAME@sha256:...")
        images.ensure_image(self.name, release.image)

    def start(self, launch: TrackLaunch) -> TrackRecord:
        if launch.release.image is None:
            raise DeployError(f"the {self.name} runtime runs images; {launch.release.label} is not one")
        self._run("rm", "--force", "--", launch.name)
        env = [f"--env={k}={v}" for k, v in sorted(container_env(launch).items())]
        publish = f"--publish=127.0.0.1:{launch.port}:{launch.container_port}"
        args = ["run", "--detach", f"--name={launch.name}", self._network(), publish, "--pull=never"]
        args += [*HARDENING, *env]
        result = self._run(*args, launch.release.image)
        if result.returncode != 0:
            raise DeployError(
                f"{self.name} could not start {launch.release.image}: {result.stderr.strip()}",
                hint=_network_hint(result.stderr),
            )
        return TrackRecord(release=launch.release, port=launch.port, container=launch.name, runtime=self.name)

    def running(self, record: TrackRecord) -> bool:
        result = self._run("inspect", "--format", "{{.State.Running}}", "--", record.container or "")
        return result.returncode == 0 and result.stdout.strip() == "true"

    def stop(self, record: TrackRecord) -> None:
        if record.container:
            self._run("rm", "--force", "--time", "10", "--", record.container)

    def output(self, record: TrackRecord, offset: int) -> tuple[list[str], int]:
        # Offsets count lines: `logs` returns the container's whole output every time.
        lines = self._run("logs", "--", record.container or "").stdout.splitlines()
        return ([], len(lines)) if offset < 0 else (lines[offset:], len(lines))

    def log_tail(self, record: TrackRecord, lines: int) -> tuple[str, list[str]]:
        result = self._run("logs", "--tail", str(lines), "--", record.container or "")
        merged = (result.stdout + result.stderr).strip().splitlines()  # the two streams, not interleaved
        return f"{self.name} logs {record.container}", merged[-lines:]

    def _network(self) -> str:
        # A network of its own, so the image's port can be published on loopback (host networking cannot
        # remap a port); rootless podman's own default network is slirp4netns.
        rootless = self.name == "podman" and os.geteuid() != 0
        return "--network=slirp4netns" if rootless else "--network=bridge"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # Without RUNNER_TRACKING_ID, so a runner's clean-up does not end the container's conmon.
        env = procs.detached_env(podman_env() if self.name == "podman" else os.environ)
        argv = [self.name, *args]
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120, env=env)


def _network_hint(stderr: str) -> str | None:
    """The fix when a rootless track's own network could not be made (docs/deploy.md, rootless podman)."""
    if "/dev/net/tun" in stderr:
        return (
            "rootless podman gives each track a network with slirp4netns, which opens /dev/net/tun; this "
            "machine lets only root open it: make it 0666 as udev does (chmod 0666 /dev/net/tun, as root)"
        )
    if "slirp4netns" in stderr and ("not found" in stderr or "could not find" in stderr):
        return "rootless podman gives each track a network with slirp4netns: apt-get install slirp4netns"
    return None


def make_runtime(name: str, serve: str | None) -> Runtime:
    """The runtime registry: the spec's allowed `deploy.local.runtime` values are its keys."""
    return RUNTIMES[name](serve)


RUNTIMES: dict[str, Callable[[str | None], Runtime]] = {
    "process": lambda serve: ProcessRuntime(serve or ""),
    "podman": lambda serve: ContainerRuntime("podman"),
    "docker": lambda serve: ContainerRuntime("docker"),
}
