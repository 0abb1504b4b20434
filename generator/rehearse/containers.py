"""The container runtime a rehearsal uses for docker/* actions and `docker` in run steps.

With podman, a `docker` shim goes first on PATH; it translates the docker commands the templates use
(see generator/rehearse/dockershim.py). With a working Docker engine, `docker` is used as it is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ToolMissingError, UsageError
from generator.podman import podman_env

RUNTIMES = ("podman", "docker")

SHIM = """#!{python}
# docker -> {runtime}, written by `ci-gen rehearse` for this rehearsal only.
import sys
from generator.rehearse.dockershim import main
sys.exit(main(sys.argv[1:], runtime={runtime!r}))
"""


@dataclass(frozen=True)
class Runtime:
    """A detected container runtime: its name and executable."""

    name: str
    executable: str

    def build_argv(
        self, context: str, dockerfile: str, build_args: list[str], tags: list[str], volumes: tuple[str, ...]
    ) -> list[str]:
        """`<runtime> build` with the same context, file, args and tags as docker/build-push-action."""
        argv = [self.executable, "build", "--file", dockerfile]
        if self.name == "podman":
            # docker format keeps HEALTHCHECK (OCI drops it); host networking is how builds reach PyPI here.
            argv += ["--format", "docker", "--network", "host"]
            argv += [f"--volume={volume}" for volume in volumes]
        elif volumes:
            raise UsageError("--build-volume works with podman only (docker build has no volumes)")
        argv += [f"--build-arg={arg}" for arg in build_args]
        argv += [f"--tag={tag}" for tag in tags]
        return [*argv, context]

    def image_digest(self, tag: str) -> tuple[str, str]:
        """(digest, image id) of a local image; the digest falls back to the id when the store has none."""
        image_id = self._inspect(tag, "{{.Id}}")
        digest = self._inspect(tag, "{{.Digest}}") if self.name == "podman" else ""
        image_id = image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"
        return (digest if digest.startswith("sha256:") else image_id), image_id

    def remove_labelled(self, label: str, value: str) -> list[str]:
        """Remove every container (running or not) labelled label=value; return their names."""
        listing = [
            self.executable,
            "ps",
            "--all",
            "--filter",
            f"label={label}={value}",
            "--format",
            "{{.Names}}",
        ]
        env = podman_env() if self.name == "podman" else None
        names = subprocess.run(listing, capture_output=True, text=True, check=False, timeout=60, env=env)
        found = names.stdout.split()
        for name in found:
            argv = [self.executable, "rm", "--force", "--time", "5", name]
            subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60, env=env)
        return found

    def _inspect(self, tag: str, template: str) -> str:
        argv = [self.executable, "image", "inspect", "--format", template, tag]
        env = podman_env() if self.name == "podman" else None
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60, env=env)
        return result.stdout.strip()


def detect(preference: str | None) -> Runtime | None:
    """The runtime to use: the one asked for, else podman, else a docker whose engine answers."""
    for name in (preference,) if preference else RUNTIMES:
        executable = shutil.which(name)
        if executable and (name == "podman" or _docker_engine_answers(executable)):
            return Runtime(name, executable)
    return None


def require(runtime: Runtime | None, preference: str | None, where: str) -> Runtime:
    """The runtime, or a clear error saying what is missing."""
    if runtime is not None:
        return runtime
    wanted = preference or "podman or docker (with a running engine)"
    raise ToolMissingError(
        f"{where}: building an image needs {wanted}, and none was found",
        hint="install podman (scripts/ci-setup-podman.sh does) or start the Docker engine",
    )


def _docker_engine_answers(executable: str) -> bool:
    argv = [executable, "version", "--format", "{{.Server.Version}}"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def write_shim(runtime: Runtime, folder: Path) -> Path | None:
    """Put a `docker` command into `folder` that runs `runtime`; None when docker itself is the runtime."""
    if runtime.name == "docker":
        return None
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "docker"
    shim.write_text(SHIM.format(python=sys.executable, runtime=runtime.executable), encoding="utf-8")
    shim.chmod(0o755)
    return folder
