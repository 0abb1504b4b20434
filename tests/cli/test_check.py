"""`ci-gen check` and `ci-gen diff`: drift is exit 1 with a unified diff, a reason per file and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import GOLDEN, WORKFLOWS, copy_project, run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(GOLDEN / "no-model", tmp_path / "project")
    assert run(["-C", str(root), "generate"]).exit_code == 0
    return root


def change_spec(root: Path) -> None:
    spec = root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("pytest -q tests", "pytest -q -x tests"))


def test_up_to_date(project: Path) -> None:
    result = run(["-C", str(project), "check"])
    assert result.exit_code == 0
    assert result.stdout == "workflows are up to date with " + str(project / "ci-gen.yaml") + "\n"
    assert result.stderr == ""


def test_up_to_date_is_answered_from_the_headers(project: Path) -> None:
    report = json.loads(run(["-C", str(project), "check", "--json"]).stdout)
    assert report == {"up_to_date": True, "files": [], "fix": f"ci-gen generate -C {project}", "quick": True}


def test_stale_after_a_spec_change(project: Path) -> None:
    change_spec(project)
    result = run(["-C", str(project), "check"])
    assert result.exit_code == 1
    assert (
        '-        run: "python -m pytest -q tests"\n+        run: "python -m pytest -q -x tests"\n'
        in result.stdout
    )
    assert result.stdout.startswith(
        "--- a/.github/workflows/ci-gen-drift.yml\n+++ b/.github/workflows/ci-gen-drift.yml\n"
    )
    assert (
        ".github/workflows/ci-gen.yml: stale: the spec or templates changed since it was generated"
        in result.stderr
    )
    assert result.stderr.endswith(f"fix: run `ci-gen generate -C {project}` and commit the result\n")
    assert "edited by hand" not in result.stderr


def test_edited_by_hand_is_told_apart_from_stale(project: Path) -> None:
    workflow = project / WORKFLOWS / "ci-gen.yml"
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 30", "timeout-minutes: 45", 1))
    result = run(["-C", str(project), "check"])
    assert result.exit_code == 1
    assert "-    timeout-minutes: 45\n+    timeout-minutes: 30\n" in result.stdout
    assert ".github/workflows/ci-gen.yml: edited by hand" in result.stderr
    assert "template override" in result.stderr
    assert "ci-gen-drift.yml" not in result.stderr


def test_missing_and_orphaned_files(project: Path) -> None:
    folder = project / WORKFLOWS
    (folder / "ci-gen-drift.yml").rename(folder / "ci-gen-old.yml")
    result = run(["-C", str(project), "check"])
    assert result.exit_code == 1
    assert ".github/workflows/ci-gen-drift.yml: missing: it has not been generated yet" in result.stderr
    assert ".github/workflows/ci-gen-old.yml: no longer generated" in result.stderr


def test_json_report(project: Path) -> None:
    change_spec(project)
    result = run(["-C", str(project), "check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["up_to_date"] is False
    assert report["quick"] is False
    assert [(f["path"], f["state"]) for f in report["files"]] == [
        (".github/workflows/ci-gen-drift.yml", "stale"),
        (".github/workflows/ci-gen.yml", "stale"),
    ]
    assert all(f["diff"].startswith(f"--- a/{f['path']}\n") for f in report["files"])
    assert report["fix"] == f"ci-gen generate -C {project}"


def test_check_never_writes(project: Path) -> None:
    change_spec(project)
    before = (project / WORKFLOWS / "ci-gen.yml").read_bytes()
    run(["-C", str(project), "check"])
    assert (project / WORKFLOWS / "ci-gen.yml").read_bytes() == before


def test_check_with_a_bad_spec_is_bad_input(project: Path) -> None:
    (project / "ci-gen.yaml").write_text(
        "version: 1\nproject: text-api\npython: '3.11'\ncontainer: {prot: 1}\n"
    )
    result = run(["-C", str(project), "check"])
    assert result.exit_code == 2
    assert "unknown key 'prot' (did you mean 'port'?)" in result.stderr


def test_diff(project: Path) -> None:
    assert run(["-C", str(project), "diff"]).stdout == ""
    assert run(["-C", str(project), "diff", "--exit-code"]).exit_code == 0
    change_spec(project)
    plain = run(["-C", str(project), "diff"])
    assert plain.exit_code == 0
    assert '+        run: "python -m pytest -q -x tests"\n' in plain.stdout
    strict = run(["-C", str(project), "diff", "--exit-code"])
    assert strict.exit_code == 1
    assert strict.stdout == plain.stdout
