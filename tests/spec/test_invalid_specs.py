"""Invalid specs as folders: each tests/invalid/<case>/ holds a ci-gen.yaml (plus any files it needs) and
expected.txt, the exact stderr of `ci-gen validate`. A new case is a new folder; nothing to register.

Refresh expected.txt after an intended change of wording with
`.venv/bin/python -m pytest tests/spec/test_invalid_specs.py --update-golden`, then read every changed
file: each line must say where the problem is and how to fix it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import invalid_cases


def copy_case(case: Path, tmp_path: Path) -> Path:
    root = tmp_path / case.name
    shutil.copytree(case, root, ignore=shutil.ignore_patterns("expected.txt"))
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", invalid_cases(), ids=lambda p: p.name)
def test_invalid_spec(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool
) -> None:
    root = copy_case(case, tmp_path)
    before = snapshot(root)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["validate"], catch_exceptions=False)
    if update_golden:
        (case / "expected.txt").write_text(result.stderr)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == (case / "expected.txt").read_text()
    assert snapshot(root) == before


@pytest.mark.parametrize("case", invalid_cases(), ids=lambda p: p.name)
def test_generate_writes_nothing(case: Path, tmp_path: Path) -> None:
    root = copy_case(case, tmp_path)
    before = snapshot(root)
    result = CliRunner().invoke(cli, ["-C", str(root), "generate"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    assert snapshot(root) == before


def test_every_case_has_reviewed_expectations() -> None:
    cases = invalid_cases()
    assert len(cases) >= 12
    for case in cases:
        expected = (case / "expected.txt").read_text()
        lines = expected.splitlines()
        assert lines[-1].startswith("error: "), case.name
        assert lines[-1].endswith("nothing was written"), case.name
        assert all(line.startswith("ci-gen.yaml") for line in lines[:-1]), case.name
        assert "should" not in expected and "Input" not in expected, f"pydantic wording in {case.name}"


def test_problems_are_reported_together_in_line_order() -> None:
    lines = (
        Path(__file__).parents[1] / "invalid" / "many-problems-in-line-order" / "expected.txt"
    ).read_text()
    numbers = [int(line.split(":")[1]) for line in lines.splitlines()[:-1]]
    assert len(numbers) >= 5
    assert numbers == sorted(numbers)
