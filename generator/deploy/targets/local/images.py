"""Getting the release's image onto the host, and making sure it is the digest the pipeline built.

A reference with a digest (`NAME@sha256:...`, what the generated deploy jobs pass) is pulled when the
host lacks it, logged in with CI_GEN_REGISTRY_USERNAME / CI_GEN_REGISTRY_PASSWORD when both are set (the
deploy job passes its own token); the login goes to a throw-away auth file, so no credential stays on
the host. Then the image's recorded digests must include the one asked for, or the deploy is refused.
A reference without a digest (a local build) is never pulled: it must already be on the host.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from generator.errors import DeployError, UsageError
from generator.podman import podman_env

USERNAME_VARIABLE = "CI_GEN_REGISTRY_USERNAME"
PASSWORD_VARIABLE = "CI_GEN_REGISTRY_PASSWORD"  # noqa: S105 (a variable name)
PULL_TIMEOUT = 900  # a model image can be large, and the registry far away


def ensure_image(tool: str, reference: str, environ: Mapping[str, str] | None = None) -> None:
    """Have `reference` on the host (pulling it when it has a digest) and check that digest."""
    digest = reference.partition("@")[2]
    if not _present(tool, reference):
        if not digest:
            raise UsageError(
                f"image {reference} is not on this host, and without a digest ci-gen does not pull it",
                hint=f"deploy NAME@sha256:<digest>, or build and tag it here first ({tool} build)",
            )
        _pull(tool, reference, credentials(os.environ if environ is None else environ))
    if digest:
        check_digest(reference, _repo_digests(tool, reference))


def credentials(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The registry user and password from the environment; both or neither."""
    user, password = environ.get(USERNAME_VARIABLE, ""), environ.get(PASSWORD_VARIABLE, "")
    if bool(user) != bool(password):
        missing = USERNAME_VARIABLE if not user else PASSWORD_VARIABLE
        raise UsageError(f"{missing} is empty but the other registry variable is set; set both or neither")
    return (user, password) if user else None


def registry_of(reference: str) -> str:
    """The registry host of an image reference (docker.io when the name has none)."""
    first, slash, _ = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def check_digest(reference: str, repo_digests: list[str]) -> None:
    """Refuse an image whose recorded digests do not include the one the reference names."""
    wanted = reference.partition("@")[2]
    found = sorted({entry.partition("@")[2] for entry in repo_digests if "@" in entry})
    if wanted not in found:
        raise DeployError(
            f"refusing to deploy {reference}: the image on this host has digest(s) "
            f"{', '.join(found) or 'none'}, not {wanted}",
            hint="deploy the digest the build job pushed (its `digest` output); remove the stale image",
        )


def _pull(tool: str, reference: str, login: tuple[str, str] | None) -> None:
    with tempfile.TemporaryDirectory(prefix="ci-gen-registry-auth-") as folder:
        auth = Path(folder)
        if login is not None:
            _run(
                tool,
                "login",
                auth,
                "--username",
                login[0],
                "--password-stdin",
                registry_of(reference),
                stdin=login[1],
                action=f"log in to {registry_of(reference)}",
            )
        _run(tool, "pull", auth if login else None, reference, action=f"pull {reference}")


def _run(
    tool: str, command: str, auth: Path | None, *args: str, action: str, stdin: str | None = None
) -> None:
    """`tool command ARGS` with the throw-away auth file (podman) or config folder (docker)."""
    if auth is None:
        argv = [tool, command, *args]
    elif tool == "docker":
        argv = [tool, "--config", str(auth), command, *args]
    else:
        argv = [tool, command, "--authfile", str(auth / "auth.json"), *args]
    try:
        result = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=PULL_TIMEOUT,
            env=_env(tool),
        )
    except subprocess.TimeoutExpired:
        raise DeployError(f"{tool} could not {action} within {PULL_TIMEOUT} s") from None
    if result.returncode != 0:
        raise DeployError(f"{tool} could not {action}: {result.stderr.strip()}")


def _present(tool: str, reference: str) -> bool:
    argv = [tool, "image", "inspect", "--format", "{{.Id}}", reference]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120, env=_env(tool))
    return result.returncode == 0


def _repo_digests(tool: str, reference: str) -> list[str]:
    argv = [tool, "image", "inspect", "--format", "{{json .RepoDigests}}", reference]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120, env=_env(tool))
    try:
        found = json.loads(result.stdout or "null") if result.returncode == 0 else None
    except json.JSONDecodeError:
        found = None
    return [str(entry) for entry in found] if isinstance(found, list) else []


def _env(tool: str) -> dict[str, str] | None:
    return podman_env() if tool == "podman" else None
