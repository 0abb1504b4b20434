"""The Action end to end: action.yml's steps run in bash by tests/action/runner.py (read its docstring
for what is real and what is simulated), with the real install into a venv and the real ci-gen."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from generator.action.bootstrap import HOME
from tests.action.conftest import BIN, SPEC
from tests.action.runner import ROOT, ActionRun, run_action

pytestmark = pytest.mark.slow
WORKFLOWS = ("project/.github/workflows/ci-gen-drift.yml", "project/.github/workflows/ci-gen.yml")


def action(inputs: dict[str, str], workspace: Path, runner_temp: Path, **kwargs: Path) -> ActionRun:
    """One run of the Action, with fresh runner files (summary, outputs) in a new scratch folder."""
    scratch = Path(tempfile.mkdtemp(dir=workspace.parent, prefix="runner-"))
    return run_action(inputs, workspace=workspace, runner_temp=runner_temp, scratch=scratch, **kwargs)


def make_drift(workspace: Path) -> None:
    """A stale file (the spec changed) and a hand-edited one."""
    spec = workspace / "project" / "ci-gen.yaml"
    spec.write_text(SPEC.replace('"3.12"', '"3.11"'), encoding="utf-8")
    edited = workspace / WORKFLOWS[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "# tweaked by hand\n", encoding="utf-8")


def test_clean_check(workspace: Path, runner_temp: Path) -> None:
    run = action({"working-directory": "project", "python-version": "3.11"}, workspace, runner_temp)
    assert not run.failed, run.log
    assert [step.id for step in run.steps] == ["python", "install", "run"]
    assert run.outputs["changed"] == "false"
    assert run.outputs["files"] == ""
    assert run.errors == []
    assert "## ci-gen check: workflows are up to date with `ci-gen.yaml`" in run.summary
    assert Path(run.outputs["report"]).read_text(encoding="utf-8") in run.summary
    # The install step really installed this checkout into the Action's own venv.
    venv = runner_temp / HOME / "venv"
    (installed,) = venv.glob("lib/python*/site-packages/ci_gen-*.dist-info")
    assert (installed.parent / "generator" / "action" / "run.py").is_file()


def test_drifted_check_annotates_each_file_and_summarises(workspace: Path, runner_temp: Path) -> None:
    make_drift(workspace)
    run = action({"working-directory": "project"}, workspace, runner_temp)
    assert run.failed
    assert [step.id for step in run.steps] == ["install", "run"]  # no python-version: the runner's python3
    assert run.steps[-1].returncode == 1
    annotated = {line.split("::")[1].split(",")[0] for line in run.errors}
    assert annotated == {f"error file={path}" for path in WORKFLOWS}
    edited, stale = run.errors
    assert "is edited by hand" in edited and "is stale" in stale
    assert "Fix: run `cd project && ci-gen generate`" in stale
    assert run.outputs["changed"] == "true"
    assert run.outputs["files"].splitlines() == [
        ".github/workflows/ci-gen-drift.yml",
        ".github/workflows/ci-gen.yml",
    ]
    summary = run.summary
    assert "2 workflow files drifted" in summary
    assert '-          python-version: "3.12"\n+          python-version: "3.11"' in summary
    assert "-# tweaked by hand" in summary
    assert "run `cd project && ci-gen generate` and commit the result" in summary
    assert "```mermaid\nflowchart LR\n" in summary
    assert '{{"Deploy production (canary)"}}:::canary' in summary


def test_generate_writes_the_files_and_then_the_check_passes(workspace: Path, runner_temp: Path) -> None:
    make_drift(workspace)
    run = action({"command": "generate", "working-directory": "project"}, workspace, runner_temp)
    assert not run.failed, run.log
    assert run.outputs["changed"] == "true"
    assert run.outputs["files"].splitlines() == [
        ".github/workflows/ci-gen-drift.yml",
        ".github/workflows/ci-gen.yml",
    ]
    assert "2 files changed" in run.summary
    check = subprocess.run([str(BIN / "ci-gen"), "-C", str(workspace / "project"), "check"], check=False)
    assert check.returncode == 0


def test_missing_spec_is_one_error_line(workspace: Path, runner_temp: Path) -> None:
    run = action({"working-directory": "project", "spec": "nope.yaml"}, workspace, runner_temp)
    assert run.failed
    assert [step.id for step in run.steps] == ["install"]  # nothing was installed or run
    assert run.log.strip().splitlines() == [
        "::error::ci-gen: no spec at project/nope.yaml: set the spec input (relative to working-directory) "
        "or create one with `ci-gen init`"
    ]


def test_missing_working_directory_is_one_error_line(workspace: Path, runner_temp: Path) -> None:
    run = action({"working-directory": "elsewhere"}, workspace, runner_temp)
    assert run.failed
    assert len(run.log.strip().splitlines()) == 1
    assert run.errors[0].startswith("::error::ci-gen: working-directory 'elsewhere' does not exist")


def test_unknown_command_is_one_error_line(workspace: Path, runner_temp: Path) -> None:
    run = action({"command": "chek", "working-directory": "project"}, workspace, runner_temp)
    assert run.failed
    assert run.log.strip().splitlines() == [
        "::error::ci-gen: unknown command 'chek'; did you mean 'check'? "
        "the command input is one of check, deploy, doctor, generate, model-report, monitor, profile, track"
    ]


def test_args_that_cannot_be_split_are_one_error_line(workspace: Path, runner_temp: Path) -> None:
    run = action({"working-directory": "project", "args": '--templates "unclosed'}, workspace, runner_temp)
    assert run.failed
    assert len(run.log.strip().splitlines()) == 1
    assert "cannot be split into words: No closing quotation" in run.errors[0]


def test_an_invalid_spec_is_annotated_where_it_is_wrong(workspace: Path, runner_temp: Path) -> None:
    spec = workspace / "project" / "ci-gen.yaml"
    spec.write_text(SPEC.replace("strategy: canary", "strategy: canry"), encoding="utf-8")
    run = action({"working-directory": "project"}, workspace, runner_temp)
    assert run.steps[-1].returncode == 2
    located, summary_line = run.errors
    assert located.startswith("::error file=project/ci-gen.yaml,line=11,col=")
    assert "canry" in located
    assert summary_line.startswith("::error::ci-gen check failed (exit 2, bad input)")


def test_a_failing_install_is_one_error_line_after_the_folded_log(
    workspace: Path, runner_temp: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "action"
    broken.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md", "LICENSE", "requirements", "generator"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, broken / name)
    pyproject = broken / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace('name = "ci-gen"', 'name = "ci gen!"'))
    run = action({"working-directory": "project"}, workspace, runner_temp, action_path=broken)
    assert run.failed
    assert [step.id for step in run.steps] == ["install"]
    lines = run.log.strip().splitlines()
    assert lines[1] == "::group::ci-gen install log" and lines[-2] == "::endgroup::"
    assert run.errors == [
        f"::error::ci-gen: could not install ci-gen from {broken} (exit 1); "
        "the install log is in the group above"
    ]
