"""Poetry projects: groups (and Poetry 1's main dependencies) as .in files, poetry.lock's versions first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.detect.dependencies import detect_dependencies
from generator.detect.poetry import locked_versions, poetry_inputs, requirement
from tests.helpers import run

FIXTURE = Path(__file__).parents[1] / "fixtures" / "poetry-service"


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^8.0", "pytest>=8.0,<9.0"),
        ("^1.2.3", "pytest>=1.2.3,<2.0.0"),
        ("^0.2.3", "pytest>=0.2.3,<0.3.0"),
        ("^0.0.3", "pytest>=0.0.3,<0.0.4"),
        ("^0.0", "pytest>=0.0,<0.1"),
        ("~1.2.3", "pytest>=1.2.3,<1.3.0"),
        ("~1.2", "pytest>=1.2,<1.3"),
        ("~1", "pytest>=1,<2"),
        ("~=1.2", "pytest~=1.2"),
        ("*", "pytest"),
        ("8.1.1", "pytest==8.1.1"),
        ("8.1.*", "pytest==8.1.*"),
        (">= 7.0, < 9", "pytest>=7.0,<9"),
        ({"version": "^8.0", "extras": ["testing"]}, "pytest[testing]>=8.0,<9.0"),
        (
            {"version": "^8.0", "markers": "sys_platform == 'linux'"},
            "pytest>=8.0,<9.0; sys_platform == 'linux'",
        ),
        (
            {"git": "https://example.org/pytest.git", "tag": "v8"},
            "pytest @ git+https://example.org/pytest.git@v8",
        ),
        ("^7.0 || ^8.0", None),
        ({"path": "../pytest"}, None),
        ({"version": "^8.0", "python": "^3.11"}, None),
    ],
)
def test_poetry_constraints_become_pep_508(constraint: object, expected: str | None) -> None:
    assert requirement("pytest", constraint) == expected


def test_groups_legacy_dev_dependencies_and_optional_groups() -> None:
    pyproject = {
        "tool": {
            "poetry": {
                "dependencies": {"python": "^3.11", "flask": "^3.0"},
                "dev-dependencies": {"pytest": "^8.0"},
                "group": {
                    "lint": {"dependencies": {"ruff": "*"}},
                    "docs": {"optional": True, "dependencies": {"mkdocs": "*"}},
                },
            }
        }
    }
    found = poetry_inputs(pyproject)
    assert found.main == ["flask>=3.0,<4.0"]
    assert found.groups == {"dev": ["pytest>=8.0,<9.0"], "lint": ["ruff"]}
    assert any("[tool.poetry.group.docs] is optional" in note for note in found.notes)


def test_the_fixtures_real_poetry_lock_is_read_by_group() -> None:
    assert locked_versions(FIXTURE, "main")["flask"] == "3.1.3"
    dev = locked_versions(FIXTURE, "dev")
    assert dev["pytest"] == "8.4.2" and "flask" not in dev


def test_poetry_1_main_dependencies_and_groups_become_in_files(tmp_path: Path) -> None:
    pyproject = {
        "build-system": {"requires": ["poetry-core"]},
        "tool": {
            "poetry": {
                "dependencies": {"python": "^3.11", "flask": "^3.0"},
                "group": {"test": {"dependencies": {"pytest": "^8.0"}}},
            }
        },
    }
    found = detect_dependencies(tmp_path, pyproject, has_tests=True)
    assert (found.runtime, found.dev, found.install_project) == (
        "requirements.in",
        ["requirements-test.in"],
        True,
    )
    assert found.create["requirements.in"].splitlines()[1:] == ["flask>=3.0,<4.0"]
    assert found.create["requirements-test.in"].splitlines()[1:] == [
        "-c requirements.txt",
        "pytest>=8.0,<9.0",
    ]


@pytest.mark.slow
def test_init_starts_the_locks_from_poetry_locks_versions(tmp_path: Path) -> None:
    root = shutil.copytree(FIXTURE, tmp_path / "p")
    lock = (root / "poetry.lock").read_text()
    # An older flask than the newest that fits ^3.0, as a project locked a while ago would have.
    (root / "poetry.lock").write_text(
        lock.replace('name = "flask"\nversion = "3.1.3"', 'name = "flask"\nversion = "3.1.0"')
    )
    result = run(["-C", str(root), "init"])
    assert result.exit_code == 0, result.output
    assert "flask==3.1.0 \\" in (root / "requirements.txt").read_text().splitlines()
    assert "pytest==8.4.2 \\" in (root / "requirements-dev.txt").read_text().splitlines()


def test_a_poetry_1_lock_is_read_by_category(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "flask"\nversion = "2.3.3"\ncategory = "main"\n\n'
        '[[package]]\nname = "pytest"\nversion = "7.4.4"\ncategory = "dev"\n\n'
        '[metadata]\nlock-version = "2.0"\n'
    )
    assert (locked_versions(tmp_path, "main"), locked_versions(tmp_path, "dev")) == (
        {"flask": "2.3.3"},
        {"pytest": "7.4.4"},
    )
