"""What a rehearsal's jobs see of the world: the `github` context, the base environment, the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import UsageError

EVENTS = ("pull_request", "push")
PR_NUMBER = 1
# Variables of the machine that would make a job see the caller's Python instead of its own.
_DROPPED = ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "CONDA_PREFIX", "PYENV_VERSION")
_DROPPED_PREFIXES = ("GITHUB_", "RUNNER_", "ACTIONS_")
# What a rehearsed job gets from this machine: enough to find its tools, certificates, proxies, package
# indexes and container engine, nothing else, so cloud credentials and tokens in the caller's environment
# never reach repository code. `ci-gen rehearse --pass-env NAME` adds a variable.
PASSED = frozenset(
    {
        *("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR"),
        *("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"),
        *("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"),
        *("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINERS_REGISTRIES_CONF", "DOCKER_HOST"),
        *("PYENV_ROOT", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "SOURCE_DATE_EPOCH"),
    }
)
PASSED_PREFIXES = ("LC_", "PIP_", "UV_", "XDG_")
# Never copied into the checkout: they are not part of what `actions/checkout` would give a job.
_JUNK = {".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox"}


@dataclass(frozen=True)
class GitHub:
    """The `github` context of a rehearsal: a pull request (the default) or a push to `ref`."""

    event_name: str
    ref: str
    sha: str
    repository: str
    actor: str
    head_ref: str
    base_ref: str
    # Unique per rehearsal, as on GitHub per run: the smoke test names its container after it.
    run_id: str = field(default_factory=lambda: str(time.time_ns() // 1000))

    @property
    def branch(self) -> str:
        """The branch whose filters decide whether a workflow runs (the PR's base, or the pushed branch)."""
        return self.base_ref if self.event_name == "pull_request" else self.ref.removeprefix("refs/heads/")

    def context(self, workflow: str, job: str, workspace: Path) -> dict[str, Any]:
        return {
            "event_name": self.event_name,
            "ref": self.ref,
            "sha": self.sha,
            "repository": self.repository,
            "repository_owner": self.repository.split("/")[0],
            "actor": self.actor,
            "workflow": workflow,
            "job": job,
            "head_ref": self.head_ref,
            "base_ref": self.base_ref,
            "ref_name": self.ref_name,
            "run_id": self.run_id,
            "run_number": "1",
            "run_attempt": "1",
            "workspace": str(workspace),
            "server_url": "https://github.com",
            "event": {},
            "token": "",
        }

    @property
    def ref_name(self) -> str:
        return self.ref.removeprefix("refs/heads/").removeprefix("refs/tags/")

    def variables(self, workflow: str, job: str, workspace: Path) -> dict[str, str]:
        """GITHUB_* variables, from the same values as the context."""
        context = self.context(workflow, job, workspace)
        names = (
            "event_name",
            "ref",
            "sha",
            "repository",
            "repository_owner",
            "actor",
            "workflow",
            "job",
            "head_ref",
            "base_ref",
            "ref_name",
            "run_id",
            "run_number",
            "run_attempt",
            "workspace",
            "server_url",
        )
        return {f"GITHUB_{name.upper()}": str(context[name]) for name in names}


def github_for(root: Path, event: str, ref: str | None, deploy_ref: str, base_branch: str) -> GitHub:
    """The context for `event`: a push goes to `ref` (default: the deploy branch), a PR targets the base."""
    if event not in EVENTS:
        raise UsageError(f"--event {event}: rehearse knows {', '.join(EVENTS)}")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD") or "rehearsal"
    sha = _git(root, "rev-parse", "HEAD") or "0" * 40
    owner = os.environ.get("USER") or "local"
    repository = f"{owner}/{root.name}"
    if event == "push":
        push_ref = ref or deploy_ref
        return GitHub(event, push_ref, sha, repository, owner, "", "")
    return GitHub(event, ref or f"refs/pull/{PR_NUMBER}/merge", sha, repository, owner, branch, base_branch)


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def base_environment(pass_env: tuple[str, ...] = ()) -> dict[str, str]:
    """The allow-listed part of this machine's environment (plus `pass_env`), without what would leak
    the caller's Python or GitHub state into a job; the workflow's own `env:` is added per job."""
    env = {k: v for k, v in os.environ.items() if k in pass_env or _passed(k)}
    own_bin = str(Path(sys.prefix) / "bin") if sys.prefix != sys.base_prefix else None
    active = os.environ.get("VIRTUAL_ENV")
    dropped = {own_bin, str(Path(active) / "bin") if active else None}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p not in dropped)
    env.update({"CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"})
    return env


def _passed(name: str) -> bool:
    if name in _DROPPED or name.startswith(_DROPPED_PREFIXES):
        return False
    return name in PASSED or name.startswith(PASSED_PREFIXES)


def snapshot(root: Path, target: Path) -> int:
    """Copy the working tree under root to target: git's view (tracked + untracked, not ignored) when it
    is a git checkout, else every file but caches and virtual environments. Returns the file count."""
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", ".")
    names = [n for n in listed.split("\0") if n] if listed else _walk(root)
    count = 0
    for name in names:
        source = root / name
        if not source.is_file() or _JUNK & set(Path(name).parts):
            continue  # deleted in the working tree, or junk
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination, follow_symlinks=False)
        count += 1
    return count


def _walk(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _JUNK]
        found += [(Path(folder) / name).relative_to(root).as_posix() for name in files]
    return found
