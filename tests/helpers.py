"""Helpers shared by the CLI, render and spec tests: run the CLI, copy projects, snapshot folders."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis.configuration import set_hypothesis_home_dir

from generator.cli import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_project"
GOLDEN = REPO / "tests" / "golden"
WORKFLOWS = Path(".github") / "workflows"
IGNORED = shutil.ignore_patterns("expected", "expected.txt", "__pycache__", ".pytest_cache", ".venv")


def run(args: Sequence[str]) -> Result:
    """Run `ci-gen ARGS` in-process; exceptions propagate, so a crash fails the test loudly."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy_project(source: Path, destination: Path) -> Path:
    """A writable copy of a golden case or the example project, without expected outputs."""
    shutil.copytree(source, destination, ignore=IGNORED)
    return destination


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden ones too) with its bytes, to prove nothing changed."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def generated(root: Path) -> dict[str, str]:
    """The workflow files of a project, by file name."""
    folder = root / WORKFLOWS
    return {p.name: p.read_text() for p in sorted(folder.glob("*")) if p.is_file()} if folder.is_dir() else {}


def keep_hypothesis_out_of_the_tree() -> None:
    """Hypothesis caches constants and unicode tables in ./.hypothesis (at collection, before any
    fixture runs); point it at one reusable folder in the temp dir instead of the repository."""
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "ci-gen-hypothesis")
