"""Fixtures for deploy tests: real nginx, real processes (the example service or a stdlib fake), ports,
projects in tmp_path, and a teardown that proves nothing is left running."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.deploy.control import rollback
from generator.deploy.ports import free_port_block
from generator.deploy.targets.local.target import MARKER
from generator.location import Location
from generator.project import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example_project"
FAKE = Path(__file__).with_name("fake_service.py")


def need(tool: str) -> str:
    """The tool's path; without it the test is skipped here and fails in CI (CI=true)."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (scripts/setup-system.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_block(size: int = 4) -> int:
    """A base port whose `size` ports are all free on 127.0.0.1 now."""
    # Random bases below the ephemeral range (32768+), so parallel sessions rarely collide.
    return free_port_block(size, (random.randrange(20000, 32000, 10) for _ in range(200)))


@dataclass
class Project:
    """A throw-away project with a deploy section; `models` are files the serve command gets as MODEL_PATH."""

    root: Path
    base_port: int

    @property
    def location(self) -> Location:
        return Location.find(self.root, None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}/predict"

    def model(self, name: str, **behaviour: object) -> str:
        path = self.root / "models" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(behaviour))
        return f"models/{name}.json"

    def leftovers(self) -> list[int]:
        """Pids of track processes of this project still alive (by the marker every track carries)."""
        wanted = f"{MARKER}={self.root / '.ci-gen-state'}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    environ = (entry / "environ").read_bytes()
                except OSError:
                    continue
                if any(item.startswith(wanted) for item in environ.split(b"\0")):
                    found.append(int(entry.name))
        return found

    def nginx_pids(self) -> list[int]:
        """nginx processes of this project: masters name the folder, workers run in it (an orphaned
        worker, whose master was killed, is found by its working directory)."""
        folder = str(self.root / ".ci-gen-state")
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
                    cwd = str((entry / "cwd").readlink()) if cmdline.startswith("nginx") else ""
                except OSError:
                    continue
                if cmdline.startswith("nginx") and (folder in cmdline or cwd.startswith(folder)):
                    found.append(int(entry.name))
        return found


SPEC = """\
version: 1
project: demo
python: "3.11"
container: {{}}
deploy:
  target: local
  local:
    runtime: {runtime}
    serve: {serve}
    base-port: {base_port}
    health-timeout: 60s
    env: {env}
  stages:
{stages}
"""

FAKE_SERVE = f"{sys.executable} {FAKE}"


def write_project(
    root: Path, stages: str, *, serve: str = FAKE_SERVE, runtime: str = "process", env: str = "{}"
) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.in").write_text("")
    (root / "Dockerfile").write_text("FROM scratch\n")
    base = free_block(4)
    stages = textwrap.indent(stages, "    ")
    text = SPEC.format(runtime=runtime, serve=json.dumps(serve), base_port=base, stages=stages, env=env)
    (root / "ci-gen.yaml").write_text(text)
    return Project(root, base)


@pytest.fixture
def make_project(tmp_path: Path) -> Iterator[object]:
    """Build projects; at the end, take every environment down and prove nothing is left running."""
    need("nginx")
    made: list[Project] = []

    def make(stages: str, **kwargs: str) -> Project:
        project = write_project(tmp_path / f"p{len(made)}", stages, **kwargs)
        made.append(project)
        return project

    yield make
    for project in made:
        teardown(project)


def teardown(project: Project) -> None:
    deploy = load(project.location).spec.deploy
    assert deploy is not None
    for stage in deploy.stages:
        rollback(project.location, stage.name, lambda event: None, down=True)
    assert project.leftovers() == [], "track processes left running"
    assert project.nginx_pids() == [], "nginx left running"


@pytest.fixture(scope="session")
def iris_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of the example service, installed from its lock with hashes (uv: seconds, not half a minute)."""
    venv = tmp_path_factory.mktemp("iris") / "venv"
    uv = Path(sys.executable).with_name("uv")
    subprocess.run([str(uv), "venv", "-q", "-p", "3.11", str(venv)], check=True)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    install = [str(uv), "pip", "install", "-q", "--require-hashes", "-r", str(EXAMPLE / "requirements.txt")]
    subprocess.run(install, check=True, env=env)
    return venv / "bin"


@pytest.fixture(scope="session")
def iris_models(iris_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three trained models: `a` (seed 0), `b` (seed 1, as good), `noisy` (60% label noise: disagrees)."""
    out = tmp_path_factory.mktemp("models")
    args = {"a": [], "b": ["--seed", "1"], "noisy": ["--label-noise", "0.6"]}
    for name, extra in args.items():
        command = [str(iris_bin / "python"), "-m", "iris_classifier.train", "--out", str(out / name), *extra]
        subprocess.run(command, check=True, cwd=EXAMPLE, capture_output=True)
    return {name: out / name / "model.joblib" for name in args}


def iris_serve(iris_bin: Path) -> dict[str, str]:
    """Project settings that serve the example service from its venv (the package found via PYTHONPATH)."""
    app = "--config python:iris_classifier.gunicorn_conf iris_classifier.service:create_app()"
    serve = f"{iris_bin / 'gunicorn'} {app}"
    return {"serve": serve, "env": json.dumps({"PYTHONPATH": str(EXAMPLE)})}


@pytest.fixture
def state_root(tmp_path: Path) -> Iterator[Path]:
    """A folder for deploy states written thousands of times per test (the in-memory target's tables):
    in /dev/shm where there is one, so the real atomic write (write, fsync, rename) costs microseconds,
    not a loaded disk's milliseconds; else tmp_path."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="ci-gen-test-state-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
