"""Every golden output passes the real linters with zero findings: actionlint (with shellcheck),
zizmor --offline, and check-jsonschema against GitHub's workflow schema."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import golden_cases

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if path is None:  # a missing linter is a broken environment, never a reason to skip
        pytest.fail(f"{name} is not installed; run `make setup`")
    return path


def workflow_files(case: Path) -> list[str]:
    return sorted(str(p) for p in (case / "expected" / ".github" / "workflows").glob("*.yml"))


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_actionlint(case: Path) -> None:
    files = workflow_files(case)
    assert files
    shellcheck = tool("shellcheck")
    # A case that deploys on self-hosted runners lists their custom labels, as a repository would.
    config = ["-config-file", "actionlint.yaml"] if (case / "actionlint.yaml").is_file() else []
    result = run([tool("actionlint"), "-shellcheck", shellcheck, "-no-color", *config, *files], case)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_zizmor_offline(case: Path) -> None:
    result = run(
        [tool("zizmor"), "--offline", "--no-progress", "--persona=auditor", *workflow_files(case)], case
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_github_workflow_schema(case: Path) -> None:
    argv = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflow_files(case)]
    result = run(argv, case)
    assert result.returncode == 0, result.stdout + result.stderr
