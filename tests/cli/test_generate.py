"""`ci-gen generate`: writes only what changed, says so, deletes its own orphans, and never half-writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import GOLDEN, WORKFLOWS, copy_project, generated, run, snapshot

HAND_WRITTEN = "name: release\non: [push]\njobs: {}\n"
BROKEN_OVERRIDE = (
    '{% extends "builtin/ci-gen.yml.j2" %}\n{% block env %}  BROKEN: [unclosed\n{% endblock %}\n'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(GOLDEN / "three-stages", tmp_path / "project")


def test_creates_then_reports_up_to_date(project: Path) -> None:
    first = run(["-C", str(project), "generate"])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        "created .github/workflows/ci-gen-drift.yml",
        "created .github/workflows/ci-gen.yml",
    ]
    expected = GOLDEN / "three-stages" / "expected" / WORKFLOWS
    assert generated(project) == {p.name: p.read_text() for p in expected.iterdir()}
    second = run(["-C", str(project), "generate"])
    assert second.exit_code == 0
    assert second.stdout == "2 workflow file(s) already up to date\n"


def test_dry_run_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = run(["-C", str(project), "generate", "--dry-run"])
    assert result.exit_code == 0
    assert "would create .github/workflows/ci-gen.yml" in result.stdout
    assert snapshot(project) == before


def test_updates_stale_and_overwrites_hand_edits(project: Path) -> None:
    run(["-C", str(project), "generate"])
    drift = project / WORKFLOWS / "ci-gen-drift.yml"
    drift.write_text(drift.read_text() + "# a hand edit\n")
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("--out artifacts", "--out artifacts --seed 1"))
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "overwrote hand edits in .github/workflows/ci-gen-drift.yml",
        "updated .github/workflows/ci-gen.yml",
    ]
    assert "--seed 1" in (project / WORKFLOWS / "ci-gen.yml").read_text()
    assert "# a hand edit" not in drift.read_text()


def test_deletes_orphans_but_never_hand_written_workflows(project: Path) -> None:
    run(["-C", str(project), "generate"])
    folder = project / WORKFLOWS
    (folder / "old-ci-gen.yml").write_text((folder / "ci-gen-drift.yml").read_text())
    (folder / "release.yml").write_text(HAND_WRITTEN)
    (folder / "notes.txt").write_text("not a workflow")
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 0
    assert result.stdout == "deleted .github/workflows/old-ci-gen.yml\n"
    assert sorted(p.name for p in folder.iterdir()) == [
        "ci-gen-drift.yml",
        "ci-gen.yml",
        "notes.txt",
        "release.yml",
    ]
    assert (folder / "release.yml").read_text() == HAND_WRITTEN


def test_failed_verification_leaves_the_workflows_untouched(project: Path) -> None:
    run(["-C", str(project), "generate"])
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("--out artifacts", "--out artifacts --seed 2"))
    (project / "overrides").mkdir()
    (project / "overrides" / "ci-gen.yml.j2").write_text(BROKEN_OVERRIDE)
    before = snapshot(project / ".github")
    result = run(["-C", str(project), "generate", "--templates", "overrides"])
    assert result.exit_code == 2
    assert "not valid YAML" in result.stderr
    assert "overrides/ci-gen.yml.j2" in result.stderr
    assert snapshot(project / ".github") == before  # byte for byte, and no temporary files left


def test_a_bad_spec_writes_nothing(tmp_path: Path) -> None:
    project = copy_project(GOLDEN / "minimal", tmp_path / "project")
    (project / "ci-gen.yaml").write_text("version: 1\nproject: minimal\npython: 3.10\n")
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 2
    assert result.stderr.endswith("error: 1 problem found; nothing was written\n")
    assert not (project / ".github").exists()
