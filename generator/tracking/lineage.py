"""What a tracked run records about where it came from: the commit, the spec and lock digests, the Python
that trained it and the ci-gen that logged it, and a content digest of each model artifact."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from generator import __version__
from generator.deploy.release import content_digest
from generator.project import Loaded
from generator.tracking.registry import ARTIFACT_DIGESTS, GIT_SHA, TAG

SPEC_DIGEST = TAG + "spec_digest"
LOCK_DIGEST = TAG + "lock_digest"
LOCKS = TAG + "locks"
PYTHON = TAG + "python"
VERSION = TAG + "version"
SPEC_PATH = TAG + "spec"
PROJECT = TAG + "project"
_PYTHON_VERSION = "import platform; print(platform.python_version())"


def lineage(loaded: Loaded, env: Mapping[str, str]) -> dict[str, str]:
    """The run's lineage tags (MLflow's own source tags included, so its UI shows the commit)."""
    root = loaded.location.root
    sha = commit(root, env)
    tags = {
        PROJECT: loaded.spec.project,
        SPEC_PATH: loaded.location.spec_name,
        SPEC_DIGEST: hashlib.sha256(loaded.spec_bytes).hexdigest(),
        LOCKS: " ".join(loaded.plan.lock_files),
        LOCK_DIGEST: lock_digest(root, loaded.plan.lock_files),
        PYTHON: python_version(env),
        VERSION: __version__,
        ARTIFACT_DIGESTS: " ".join(
            artifact_digests(root, loaded.plan.model.artifacts if loaded.plan.model else ())
        ),
    }
    if sha:
        tags |= {GIT_SHA: sha, "mlflow.source.git.commit": sha}
    return tags | _github(env)


def commit(root: Path, env: Mapping[str, str]) -> str | None:
    """The commit being built: GITHUB_SHA in a workflow, else the repository's HEAD (None outside git)."""
    if env.get("GITHUB_SHA"):
        return env["GITHUB_SHA"]
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run([git, "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def lock_digest(root: Path, files: tuple[str, ...]) -> str:
    """SHA-256 over the lock files, each with its name: equal digests mean the same pins and hashes."""
    digest = hashlib.sha256()
    for name in files:
        path = root / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)") + b"\0")
    return digest.hexdigest()


def python_version(env: Mapping[str, str]) -> str:
    """The version of the `python` on PATH: the interpreter the job trained with (not ci-gen's own)."""
    python = shutil.which("python", path=env.get("PATH")) or shutil.which("python3", path=env.get("PATH"))
    if python is None:
        return "unknown"
    done = subprocess.run([python, "-c", _PYTHON_VERSION], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def artifact_digests(root: Path, artifacts: tuple[str, ...]) -> list[str]:
    """Content digests of the artifacts, as `ci-gen deploy --artifact` names a model's version."""
    return [content_digest(root / path) for path in artifacts if (root / path).exists()]


def _github(env: Mapping[str, str]) -> dict[str, str]:
    """Where the run happened, when it happened in a workflow."""
    tags = {TAG + "ref": env.get("GITHUB_REF", "")}
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        tags[TAG + "workflow_run"] = (
            f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
        )
    return {key: value for key, value in tags.items() if value}
