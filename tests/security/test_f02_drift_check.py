"""Finding 2 (medium): the PR check must not trust a header's digests.

On main, a workflow edited to `permissions: write-all` with its `body=` digest recomputed passed the
Action's check as "up to date". The Action and the generated drift workflow now always render and
compare; the header fast path remains for local use (pre-commit, a laptop)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.action.bootstrap import Inputs
from generator.action.run import Context, run_check
from generator.render.header import body_digest, split_header
from tests.helpers import GOLDEN, WORKFLOWS, copy_project, run

CI_GEN = Path(sys.executable).with_name("ci-gen")


@pytest.fixture
def tampered(tmp_path: Path) -> Path:
    """A generated project whose pipeline was given write-all, with the header recomputed to match."""
    project = copy_project(GOLDEN / "three-stages", tmp_path / "project")
    assert run(["-C", str(project), "generate"]).exit_code == 0
    workflow = project / WORKFLOWS / "ci-gen.yml"
    header, body = split_header(workflow.read_text())
    assert header is not None and "\npermissions: {}\n" in body
    evil = body.replace("\npermissions: {}\n", "\npermissions: write-all\n", 1)
    lines = workflow.read_text().split("\n", 3)
    lines[2] = lines[2].replace(f"body={header.body}", f"body={body_digest(evil)}")
    workflow.write_text("\n".join(lines[:3]) + "\n" + evil)
    return project


def test_the_action_renders_and_compares(
    tampered: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = Inputs.from_env({"CI_GEN_COMMAND": "check"})
    result = run_check(Context(inputs, tampered, tmp_path, CI_GEN))
    assert result.code == 1, "the Action's check trusted a recomputed header"
    assert "permissions: write-all" in capsys.readouterr().out


def test_the_generated_drift_workflow_asks_for_the_full_check(tampered: Path) -> None:
    drift = yaml.safe_load((tampered / WORKFLOWS / "ci-gen-drift.yml").read_text())
    (step,) = [s for s in drift["jobs"]["drift"]["steps"] if s.get("with", {}).get("command") == "check"]
    env = {**os.environ, **step["env"]}
    proc = subprocess.run(
        [CI_GEN, "-C", tampered, "check"], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1, proc.stdout


def test_full_renders_and_the_local_fast_path_stays(tampered: Path) -> None:
    assert run(["-C", str(tampered), "check", "--full"]).exit_code == 1
    # Documented: without --full the headers are trusted, for the author's own pre-commit hook.
    assert run(["-C", str(tampered), "check"]).exit_code == 0
