"""Fixtures for the Action's tests: a RUNNER_TEMP with a prepared venv, and a small project to check."""

from __future__ import annotations

import site
import subprocess
import sys
from pathlib import Path

import pytest

from generator.action.bootstrap import HOME

BIN = Path(sys.executable).parent
SPEC = """\
version: 1
project: demo
python: "3.12"
container:
  dockerfile: Dockerfile
deploy:
  stages:
    - name: staging
      strategy: basic
    - name: production
      strategy: canary
"""


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNNER_TEMP shared by one module's runs, with the Action's venv already created.

    The venv sees this suite's site-packages through a .pth file, so the Action's real install step
    (`pip install --require-hashes -r requirements/action.txt`, then `pip install --no-deps` of this
    checkout) runs in every test, finds the locked versions already there, and needs no network.
    """
    temp = tmp_path_factory.mktemp("runner-temp")
    venv = temp / HOME / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site_packages,) = venv.glob("lib/python*/site-packages")
    (site_packages / "ci-gen-suite.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    return temp


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository with a ci-gen project in `project/` whose workflows are freshly generated."""
    project = tmp_path / "repo" / "project"
    project.mkdir(parents=True)
    (project / "ci-gen.yaml").write_text(SPEC, encoding="utf-8")
    (project / "requirements.in").write_text("flask\n", encoding="utf-8")
    (project / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    subprocess.run([str(BIN / "ci-gen"), "-C", str(project), "generate"], check=True, capture_output=True)
    return tmp_path / "repo"
