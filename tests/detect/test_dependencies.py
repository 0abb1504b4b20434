"""Adopting the project's own lock: uv.lock, pinned requirements, ranged requirements, pyproject, Poetry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.detect.dependencies import detect_dependencies, is_pinned
from generator.detect.training import training_command

UV_PYPROJECT: dict[str, Any] = {
    "project": {"name": "m", "dependencies": ["scikit-learn>=1.5"]},
    "dependency-groups": {"dev": ["pytest>=8"], "lint": ["ruff"]},
    "tool": {"uv": {"package": False}},
}


def test_uv_lock_is_adopted_with_its_groups_and_no_package(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").write_text("version = 1\n")
    found = detect_dependencies(tmp_path, UV_PYPROJECT, has_tests=True)
    assert (found.lock_tool, found.runtime, found.install_project) == ("uv", "uv.lock", False)
    assert found.dev == [{"input": "uv.lock", "groups": ["dev", "lint"]}]
    assert found.create == {}


def test_a_pinned_requirements_txt_is_the_lock_and_pytest_gets_a_dev_input(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.1.0 \\\n    --hash=sha256:ab\ngunicorn==23.0\n")
    found = detect_dependencies(tmp_path, {}, has_tests=True)
    assert found.runtime == "requirements.txt"
    assert found.dev == ["requirements-dev.in"]
    assert found.create == {"requirements-dev.in": "-c requirements.txt\npytest\n"}


def test_ranged_requirements_get_in_files_and_a_pinned_dev_file_is_adopted(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi>=0.110\nscikit-learn~=1.5\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest>=8\nhttpx\n")
    found = detect_dependencies(tmp_path, {}, has_tests=True)
    assert found.runtime == "requirements.in"
    assert found.dev == ["requirements-dev.in"]
    assert "fastapi>=0.110\nscikit-learn~=1.5\n" in found.create["requirements.in"]
    assert found.create["requirements-dev.in"].startswith("-c requirements.txt\n# Top-level")
    assert "-r requirements.txt" not in found.create["requirements-dev.in"]


def test_pyproject_groups_need_uv_and_extras_serve_pip_tools(tmp_path: Path) -> None:
    grouped = {"project": {"dependencies": []}, "dependency-groups": {"test": ["pytest"]}}
    found = detect_dependencies(tmp_path, grouped, has_tests=True)
    assert (found.lock_tool, found.dev) == ("uv", [{"input": "pyproject.toml", "groups": ["test"]}])
    assert found.install_project is False  # no build system
    package = {
        "build-system": {"requires": ["hatchling"]},
        "project": {"dependencies": ["numpy"], "optional-dependencies": {"test": ["pytest"], "gpu": []}},
    }
    found = detect_dependencies(tmp_path, package, has_tests=True)
    assert (found.lock_tool, found.install_project) == ("pip-tools", True)
    assert found.dev == [{"input": "pyproject.toml", "extras": ["test"]}]


def test_poetry_and_pdm_locks_are_named_with_the_next_step(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text("")
    found = detect_dependencies(tmp_path, {"project": {"dependencies": ["numpy"]}}, has_tests=False)
    next_step = "poetry.lock found: ci-gen does not install from it; the requirements locks"
    assert any(n.startswith(next_step) for n in found.notes)


def test_is_pinned() -> None:
    assert is_pinned("# comment\nflask==3.1.0  # web\n--index-url x\nnumpy===2.0 ; python_version>'3'\n")
    assert not is_pinned("flask==3.1.0\nnumpy>=2\n")
    assert not is_pinned("")


def test_training_entry_points(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nRUN python -m app.train --out model.joblib\n")
    assert training_command(tmp_path, "Dockerfile") == (
        "python -m app.train",
        "Dockerfile line 2 (the image trains while it builds)",
    )
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "src" / "pkg" / "train.py").write_text("")
    assert training_command(tmp_path, None) == ("python -m pkg.train", "src/pkg/train.py")
