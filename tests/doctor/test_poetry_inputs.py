"""doctor: the .in files init derived from a Poetry project still say what pyproject.toml says."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.doctor import diagnose
from generator.location import Location
from tests.helpers import run

FIXTURE = Path(__file__).parents[1] / "fixtures" / "poetry-service"


def test_a_group_changed_after_init_is_a_finding_on_both_sides(tmp_path: Path) -> None:
    root = shutil.copytree(FIXTURE, tmp_path / "p")
    assert run(["-C", str(root), "init", "--no-lock"]).exit_code == 0
    report = diagnose(Location.find(root, None))
    assert not [f for f in report.findings if f.kind == "poetry-inputs"]
    assert any(c.endswith("requirements-dev.in against Poetry's dev dependencies") for c in report.checked)
    pyproject = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(pyproject.replace('pytest = "^8.0"', 'pytest = "^8.1"\nruff = "*"'))
    found = sorted(
        f.message for f in diagnose(Location.find(root, None)).findings if f.kind == "poetry-inputs"
    )
    group, dev_in = "[tool.poetry.group.dev] in pyproject.toml", "requirements-dev.in"
    assert found == [
        f"{group} requires pytest<9.0,>=8.1, which {dev_in} does not",
        f"{group} requires ruff, which {dev_in} does not",
        f"{dev_in} requires pytest<9.0,>=8.0, which {group} does not",
    ]


def test_a_project_without_poetry_is_not_checked(tmp_path: Path) -> None:
    root = shutil.copytree(Path(__file__).parent / "clean", tmp_path / "shop")
    report = diagnose(Location.find(root, None))
    assert not any("Poetry" in c for c in report.checked)


def test_an_in_file_of_the_users_own_is_not_compared(tmp_path: Path) -> None:
    root = shutil.copytree(FIXTURE, tmp_path / "p")
    assert run(["-C", str(root), "init", "--no-lock"]).exit_code == 0
    (root / "requirements-dev.in").write_text("-c requirements.txt\npytest\nruff\n")
    report = diagnose(Location.find(root, None))
    assert not [f for f in report.findings if f.kind == "poetry-inputs"]
    assert not any("against Poetry's" in c for c in report.checked)
