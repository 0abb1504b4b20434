"""`ci-gen init`: looks at the repository, writes a spec that validates, and never clobbers one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.spec.load import load_spec_text
from tests.helpers import run, snapshot

PYPROJECT = """\
[project]
name = "Fancy_Model"
requires-python = ">=3.10,<4"
dependencies = ["numpy"]

[project.optional-dependencies]
docs = ["sphinx"]
test = ["pytest"]
"""


@pytest.fixture
def requirements_repo(tmp_path: Path) -> Path:
    root = tmp_path / "iris-service"
    (root / "tests").mkdir(parents=True)
    for name in ("requirements.in", "requirements-dev.in", "Dockerfile"):
        (root / name).write_text("")
    (root / ".python-version").write_text("3.12.4\n")
    return root


def spec_data(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((root / "ci-gen.yaml").read_text())
    return data


def test_requirements_layout(requirements_repo: Path) -> None:
    result = run(["-C", str(requirements_repo), "init", "--no-lock"])
    assert result.exit_code == 0, result.output
    assert "wrote " in result.stdout and "(python 3.12, project iris-service)" in result.stdout
    data = spec_data(requirements_repo)
    assert data["project"] == "iris-service"
    assert data["python"] == "3.12"  # from .python-version, patch level dropped
    assert data["dependencies"]["runtime"] == "requirements.in"
    assert data["dependencies"]["dev"] == ["requirements-dev.in"]
    assert data["container"]["dockerfile"] == "Dockerfile"
    assert [s["strategy"] for s in data["deploy"]["stages"]] == ["basic", "canary"]
    validate = run(["-C", str(requirements_repo), "validate"])
    assert validate.exit_code == 0, validate.output
    assert "deploy: staging (basic) -> production (canary)" in validate.stdout


def test_pyproject_with_extras_and_requires_python(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert run(["-C", str(tmp_path), "init", "--no-lock"]).exit_code == 0
    data = spec_data(tmp_path)
    assert data["project"] == "fancy-model"
    assert data["python"] == "3.10"  # the lowest version requires-python allows
    assert data["dependencies"]["runtime"] == "pyproject.toml"
    assert data["dependencies"]["dev"] == [{"input": "pyproject.toml", "extras": ["test"]}]
    assert "container" not in data and "deploy" not in data  # no Dockerfile: left commented out
    assert "# container:" in (tmp_path / "ci-gen.yaml").read_text()
    validate = run(["-C", str(tmp_path), "validate"])
    assert validate.exit_code == 0, validate.output
    assert "locks: requirements.txt, requirements-test.txt" in validate.stdout


def test_python_version_file_wins_over_requires_python(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / ".python-version").write_text("3.13\n")
    result = run(["-C", str(tmp_path), "init", "--stdout"])
    assert 'python: "3.13"' in result.stdout


def test_a_pinned_requirements_txt_is_adopted_as_the_lock(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("numpy==2.0\n")
    result = run(["-C", str(tmp_path), "init", "--no-lock"])
    assert result.exit_code == 0
    assert "note: adopted requirements.txt as the runtime lock (pinned; no hashes" in result.stdout
    assert spec_data(tmp_path)["dependencies"]["runtime"] == {"input": "requirements.txt", "hashes": False}


def test_nothing_to_lock_says_what_to_create(tmp_path: Path) -> None:
    result = run(["-C", str(tmp_path), "init", "--no-lock"])
    assert result.exit_code == 0
    assert "note: no requirements or pyproject dependencies found: create requirements.in" in result.stdout


def test_refuses_to_overwrite_without_force(requirements_repo: Path) -> None:
    spec = requirements_repo / "ci-gen.yaml"
    spec.write_text("# mine\n")
    result = run(["-C", str(requirements_repo), "init", "--no-lock"])
    assert result.exit_code == 2
    assert "ci-gen.yaml already exists" in result.stderr
    assert "hint: pass --force to overwrite it" in result.stderr
    assert spec.read_text() == "# mine\n"
    assert run(["-C", str(requirements_repo), "init", "--force", "--no-lock"]).exit_code == 0
    assert spec.read_text().startswith("# yaml-language-server")


def test_stdout_writes_nothing(requirements_repo: Path) -> None:
    before = snapshot(requirements_repo)
    result = run(["-C", str(requirements_repo), "init", "--stdout"])
    assert result.exit_code == 0
    assert snapshot(requirements_repo) == before
    spec, _ = load_spec_text(result.stdout, "ci-gen.yaml")
    assert spec.project == "iris-service"


def test_odd_directory_names_become_valid_slugs(tmp_path: Path) -> None:
    root = tmp_path / "__My Model (v2)__"
    root.mkdir()
    (root / "requirements.in").write_text("")
    assert run(["-C", str(root), "init", "--no-lock"]).exit_code == 0
    assert spec_data(root)["project"] == "my-model-v2"


def test_init_says_when_there_are_no_tests(tmp_path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    (tmp_path / "requirements.in").write_text("flask\n")
    argv = ["-C", str(tmp_path), "init", "--no-lock"]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 0
    assert "no tests found: the test job only byte-compiles the code" in result.output
    assert spec_data(tmp_path)["test"]["command"].startswith("python -m compileall")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("def test_it():\n    pass\n")
    result = CliRunner().invoke(cli, [*argv, "--force"], catch_exceptions=False)
    assert "no tests found" not in result.output
    assert spec_data(tmp_path)["test"]["command"] == "python -m pytest"
