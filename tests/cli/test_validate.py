"""`ci-gen validate`: a summary of what the spec resolves to, and nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import GOLDEN, copy_project, run, snapshot


def test_summary_of_a_full_pipeline(tmp_path: Path) -> None:
    project = copy_project(GOLDEN / "three-stages", tmp_path / "project")
    before = snapshot(project)
    result = run(["-C", str(project), "validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "  python 3.11; tests on 3.11, 3.12; locks: requirements.txt, requirements-dev.txt (pip-tools)",
        "  model: yes; image: yes; deploy: staging (basic) -> shadow (shadow) -> production (canary)",
        "  renders 2 workflow file(s), all valid",
    ]
    assert result.stdout.startswith(f"{project / 'ci-gen.yaml'} is valid.\n")
    assert snapshot(project) == before


def test_uv_and_lock_outputs(tmp_path: Path) -> None:
    project = copy_project(GOLDEN / "uv-lock", tmp_path / "project")
    result = run(["-C", str(project), "validate"])
    assert result.exit_code == 0, result.output
    assert "locks: requirements/base.txt, requirements/dev.lock.txt (uv)" in result.stdout
    assert "deploy: none" in result.stdout
