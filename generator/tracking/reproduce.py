"""`ci-gen reproduce`: rebuild a recorded run from its lineage and check that its metrics come out again.

The recorded commit is checked out into a scratch git worktree, its locks (checked against the recorded
lock digest) are installed with hashes into a fresh venv of the recorded Python, the spec's train and
evaluate commands run there, and every recorded metric is compared within the spec's tolerance.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import EXIT_FAILED, CiGenError, ToolMissingError, UsageError
from generator.location import Location
from generator.project import Loaded, load
from generator.rehearse.interpreters import Interpreter, find_python
from generator.spec.tracking import TrackingSpec
from generator.tracking import registry
from generator.tracking.lineage import LOCK_DIGEST, PYTHON, lock_digest
from generator.tracking.store import open_client, reaching, resolve_store, tracking_of
from generator.tracking.track import read_metrics

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

Say = Callable[[str], None]


class ReproduceError(CiGenError):
    """The rebuild itself failed (install, train or evaluate): not reproduced, exit 1."""

    exit_code = EXIT_FAILED


@dataclass(frozen=True)
class MetricCheck:
    name: str
    recorded: float
    reproduced: float | None
    tolerance: float

    @property
    def ok(self) -> bool:
        return self.reproduced is not None and abs(self.reproduced - self.recorded) <= self.tolerance + 1e-12

    @property
    def text(self) -> str:
        got = "missing" if self.reproduced is None else f"{self.reproduced:.6g}"
        verdict = "ok" if self.ok else "DIFFERS"
        return f"{self.name}: recorded {self.recorded:.6g}, reproduced {got} (± {self.tolerance:g}) {verdict}"


@dataclass
class Reproduction:
    """What was rebuilt, from what, and how its metrics compare with the recorded ones."""

    run_id: str
    version: str | None
    commit: str
    python: str
    lock_matches: bool
    checks: list[MetricCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lock_matches and bool(self.checks) and all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "ok": self.ok}


def reproduce(location: Location, ref: str, say: Say, workdir: Path | None = None) -> Reproduction:
    """Reproduce model version `ref` (digits) or run `ref` (an MLflow run id) of this project."""
    loaded = load(location)
    tracking = tracking_of(loaded.spec)
    store = resolve_store(location.root, tracking)
    with reaching(store):
        run, version = recorded_run(open_client(store), registry.model_name(loaded.spec), ref)
    sha = run.data.tags.get(registry.GIT_SHA)
    if not sha:
        raise UsageError(
            f"run {run.info.run_id} recorded no commit ({registry.GIT_SHA}), so it cannot be rebuilt"
        )
    say(f"run {run.info.run_id}" + (f" (model version {version})" if version else "") + f": commit {sha}")
    scratch = Path(tempfile.mkdtemp(prefix="ci-gen-reproduce-")) if workdir is None else workdir
    try:
        with worktree(location.root, sha, scratch / "checkout") as project:
            return _rebuild(Location.find(project, None), run, version, tracking, scratch, say)
    finally:
        if workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)


def recorded_run(client: MlflowClient, name: str, ref: str) -> tuple[Run, str | None]:
    """The run behind model version `ref` of `name`, or the run whose id is `ref`."""
    from mlflow.exceptions import MlflowException

    try:
        if ref.isdigit():
            version = client.get_model_version(name, ref)
            if not version.run_id:
                raise UsageError(f"model version {ref} of '{name}' names no run")
            return client.get_run(version.run_id), ref
        return client.get_run(ref), None
    except MlflowException as exc:
        what = f"model version {ref} of '{name}'" if ref.isdigit() else f"run '{ref}'"
        raise UsageError(
            f"no {what}: {exc.message}", hint="ci-gen status lists the versions stages serve"
        ) from None


@contextmanager
def worktree(root: Path, sha: str, folder: Path) -> Iterator[Path]:
    """The commit checked out (detached) as a worktree of the project's repository; yields the project's
    folder in it (the same place in the repository as `root`), and removes the worktree afterwards."""
    top, prefix = _git(root, "rev-parse", "--show-toplevel"), _git(root, "rev-parse", "--show-prefix")
    added = subprocess.run(
        ["git", "-C", top, "worktree", "add", "--detach", "--quiet", str(folder), sha],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode != 0:
        raise UsageError(
            f"cannot check out commit {sha}: {added.stderr.strip()}",
            hint="fetch it first (git fetch origin <commit>), then reproduce again",
        )
    try:
        yield folder / prefix
    finally:
        subprocess.run(
            ["git", "-C", top, "worktree", "remove", "--force", str(folder)], capture_output=True, check=False
        )


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UsageError(f"{root} is not in a git repository, so no recorded commit can be checked out")
    return done.stdout.strip()


def _rebuild(
    location: Location, run: Run, version: str | None, tracking: TrackingSpec, scratch: Path, say: Say
) -> Reproduction:
    loaded = load(location)
    tags = run.data.tags
    python = _interpreter(tags.get(PYTHON, ""), loaded.spec.python.version, say)
    result = Reproduction(
        run.info.run_id, version, tags[registry.GIT_SHA], python.version, _locks_match(loaded, tags, say)
    )
    venv = make_env(python, scratch / "venv", loaded, say)
    train(loaded, venv, say)
    reproduced, _ = read_metrics(location.root, loaded)
    result.checks = [
        MetricCheck(name, value, reproduced.get(name), tracking.tolerances.get(name, tracking.tolerance))
        for name, value in sorted(run.data.metrics.items())
        if math.isfinite(value)
    ]
    return result


def _interpreter(recorded: str, spec_version: str, say: Say) -> Interpreter:
    """The recorded Python exactly if it is here, else the same minor version (said so)."""
    wanted = recorded if recorded.count(".") == 2 else spec_version
    try:
        return find_python(wanted, "reproduce")
    except ToolMissingError:
        minor = ".".join(wanted.split(".")[:2])
        found = find_python(minor, "reproduce")
        say(f"Python {wanted} is not installed here; using {found.version} (same minor version)")
        return found


def _locks_match(loaded: Loaded, tags: dict[str, str], say: Say) -> bool:
    digest = lock_digest(loaded.location.root, loaded.plan.lock_files)
    matches = digest == tags.get(LOCK_DIGEST)
    if not matches:
        recorded = tags.get(LOCK_DIGEST, "?")[:12]
        say(f"the locks at that commit ({digest[:12]}) are not the recorded ones ({recorded})")
    return matches


def make_env(python: Interpreter, venv: Path, loaded: Loaded, say: Say) -> Path:
    """A venv of `python` with the project's locks installed with hashes (uv when it is at hand)."""
    plan = loaded.plan
    if plan.exports:
        raise UsageError("reproduce installs requirements lock files; a uv.lock project is not supported yet")
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    root = loaded.location.root
    _run([uv, "venv", "--quiet", "--python", python.path, str(venv)], root)
    install = [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    hashed = [arg for lock in plan.hashed_files for arg in ("--requirement", lock)]
    say(f"installing {', '.join(plan.lock_files)} into a Python {python.version} venv (hashes required)")
    _run([*install, "--require-hashes", *hashed], root)
    for lock in plan.unhashed_files:
        _run([*install, "--requirement", lock], root)
    if plan.install_project:
        _run([*install, "--no-deps", "."], root)
    return venv


def train(loaded: Loaded, venv: Path, say: Say) -> None:
    """The spec's train and evaluate commands, with the venv first on PATH, as the model job runs them."""
    assert loaded.spec.model is not None
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("PYTHONPATH", None)
    for command in filter(None, (loaded.spec.model.train, loaded.spec.model.evaluate)):
        say(f"$ {command}")
        _run(["bash", "-eo", "pipefail", "-c", command], loaded.location.root, env)


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise ReproduceError(f"`{' '.join(argv[:4])}...` failed (exit {done.returncode}):\n{tail}")
