"""The `docker` command of a rehearsal that runs on podman: translate, then exec podman.

What is translated, and nothing else (every other command and option passes through unchanged, since
podman's CLI is docker-compatible for `logs`, `rm`, `ps`, `inspect`, `exec`, `stop`, `images`):
- `docker run`: containers join the host network (`--network host`), so `--publish [IP:]PORT:PORT` is
  dropped; it must map a port to the same port (host networking cannot remap), and the port must be
  free on 127.0.0.1, or the shim fails rather than let a smoke test talk to some other server.
  Under host networking the service listens on every interface its own settings say, not only on the IP
  given to `--publish`.
  Without systemd, podman cannot schedule HEALTHCHECK probes (it logs errors and skips them), so the
  shim passes `--no-healthcheck` there; the smoke test probes the health path itself anyway.
- `docker build`: `--format docker` (keeps HEALTHCHECK, as docker does) and `--network host`.
Every container a rehearsal's `docker run` starts is labelled with the job (`LABEL` below), so the
rehearsal removes whatever a job left, even when a step was killed before its own cleanup ran.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

# docker run options that take a value as the next argument (the forms the templates and people use).
_RUN_VALUE_OPTIONS = {
    "--name",
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "-p",
    "--publish",
    "--network",
    "--net",
    "--entrypoint",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "-l",
    "--label",
    "--health-cmd",
    "--memory",
    "-m",
    "--cpus",
    "--mount",
    "--hostname",
    "-h",
    "--add-host",
    "--restart",
    "--stop-timeout",
    "--pull",
}
_PUBLISH = {"-p", "--publish"}
LABEL = "ci-gen.rehearsal"  # the label's value: the job's, from this variable of the job's environment
JOB_VARIABLE = "CI_GEN_REHEARSAL_JOB"
_NETWORK = {"--network", "--net"}


class ShimError(Exception):
    """A docker command the shim cannot translate faithfully."""


def main(argv: list[str], runtime: str) -> int:
    """Translate argv and exec the runtime; exit 125 (docker's own code for its errors) when we cannot."""
    try:
        translated = translate(argv)
    except ShimError as exc:
        print(f"docker (rehearse shim for {runtime}): {exc}", file=sys.stderr)
        return 125
    os.execv(runtime, [runtime, *translated])  # noqa: S606 - argv, no shell
    return 0  # pragma: no cover - execv does not return


def translate(argv: list[str]) -> list[str]:
    """The podman arguments for a docker command line."""
    if not argv:
        return argv
    translator = _TRANSLATORS.get(argv[0])
    return [argv[0], *translator(argv[1:])] if translator else list(argv)


def _run(args: list[str]) -> list[str]:
    options, rest = _split_options(args)
    kept: list[str] = []
    has_network = False
    for name, value in options:
        if name in _PUBLISH:
            _check_publish(value or "")
            continue
        has_network = has_network or name in _NETWORK
        kept += [name] if value is None else [f"{name}={value}"]
    extra = [] if has_network else ["--network=host"]
    if os.environ.get(JOB_VARIABLE):
        extra.append(f"--label={LABEL}={os.environ[JOB_VARIABLE]}")
    if not _has_systemd() and not any(
        name.startswith(("--health", "--no-healthcheck")) for name, _ in options
    ):
        extra.append("--no-healthcheck")
    return [*extra, *kept, *rest]


def _has_systemd() -> bool:
    return Path("/run/systemd/system").is_dir()


def _build(args: list[str]) -> list[str]:
    joined = " ".join(args)
    extra = [] if "--format" in joined else ["--format=docker"]
    extra += [] if "--network" in joined else ["--network=host"]
    return [*extra, *args]


def _split_options(args: list[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(option, value) pairs before the image, and the image with its command."""
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(args) and args[index].startswith("-") and args[index] != "--":
        name, equals, value = args[index].partition("=")
        if equals:
            options.append((name, value))
        elif name in _RUN_VALUE_OPTIONS and index + 1 < len(args):
            index += 1
            options.append((name, args[index]))
        else:
            options.append((name, None))
        index += 1
    return options, args[index:]


def _check_publish(spec: str) -> None:
    """Accept `[IP:]PORT:PORT[/tcp]` whose port is free on 127.0.0.1; anything else cannot be honoured."""
    parts = spec.split("/")[0].split(":")
    host_port, container_port = (parts[-2], parts[-1]) if len(parts) >= 2 else (parts[-1], parts[-1])
    if host_port != container_port:
        raise ShimError(
            f"--publish {spec}: containers share the host network in a rehearsal, so port {container_port} "
            f"cannot appear as {host_port}; publish a port to the same port"
        )
    if _port_in_use(int(container_port)):
        raise ShimError(
            f"--publish {spec}: port {container_port} on 127.0.0.1 is already in use; stop what uses it"
        )


def _port_in_use(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


_TRANSLATORS: dict[str, Callable[[list[str]], list[str]]] = {"run": _run, "build": _build}
