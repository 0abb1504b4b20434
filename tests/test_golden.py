"""Golden cases: each tests/golden/<case>/ renders to exactly its expected/ folder.

Refresh after an intended template change with `make golden` (pytest --update-golden), then review
the diff like any other code change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.project import Location, render_project
from tests.conftest import golden_cases, packs_installed


def expected_files(case: Path) -> dict[str, str]:
    root = case / "expected"
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def render_case(case: Path) -> dict[str, str]:
    location = Location.find(case, None, tuple(case.glob("cli-templates")))
    with packs_installed(case):  # a case naming a pack renders with the example pack installed (pip)
        return render_project(location).outputs


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_golden(case: Path, update_golden: bool) -> None:
    outputs = render_case(case)
    if update_golden:
        shutil.rmtree(case / "expected", ignore_errors=True)
        for path, text in outputs.items():
            target = case / "expected" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    assert outputs == expected_files(case)


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_rendering_is_deterministic(case: Path) -> None:
    assert render_case(case) == render_case(case)


def test_golden_cases_cover_the_required_shapes() -> None:
    names = {case.name for case in golden_cases()}
    assert {"minimal", "no-model", "uv-lock", "pyproject", "three-stages", "template-override"} <= names
    assert "platform-pack" in names
