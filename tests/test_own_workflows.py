"""ci-gen's own CI (.github/workflows of this repository) meets the bar set for generated workflows:
actionlint with shellcheck, zizmor --offline (auditor), GitHub's workflow schema, pinned actions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.resources import action_pins
from tests.test_workflow_linters import run, tool

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))


def load(path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_is_a_workflow() -> None:
    assert WORKFLOWS


def test_actionlint() -> None:
    result = run([tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color", *WORKFLOWS], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline() -> None:
    result = run([tool("zizmor"), "--offline", "--no-progress", "--persona=auditor", *WORKFLOWS], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


def test_github_workflow_schema() -> None:
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *WORKFLOWS], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: Path(p).name)
def test_actions_are_pinned_from_actions_json_with_version_comments(path: str) -> None:
    pins = action_pins()
    for uses in re.findall(r"^\s*(?:- )?uses: (.+)$", Path(path).read_text(encoding="utf-8"), re.MULTILINE):
        if uses.startswith("./"):
            continue
        name = uses.split("@", 1)[0]
        assert uses == f"{name}@{pins[name]['sha']} # {pins[name]['version']}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: Path(p).name)
def test_least_privilege(path: str) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
    for step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_tests_run_on_every_supported_python() -> None:
    (ci,) = (load(p) for p in WORKFLOWS if p.endswith("ci.yml"))
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12", "3.13"]
    assert any("make PYTHON=python lint typecheck test" in step.get("run", "") for step in steps(ci))


def test_the_action_checks_the_example_project_from_this_checkout() -> None:
    (ci,) = (load(p) for p in WORKFLOWS if p.endswith("ci.yml"))
    (step,) = (s for s in steps(ci) if s.get("uses") == "./")
    assert step["with"] == {
        "command": "check",
        "working-directory": "example_project",
        "python-version": "3.12",
    }
