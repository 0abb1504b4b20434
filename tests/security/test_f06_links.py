"""Finding 6 (low): links were followed everywhere.

On main an `{% include %}` of a link in an override folder pulled in a file from outside, a linked
`.github/workflows` made `generate` write (and delete) outside the repository, a linked workflow made
`check` print its target, a spec linked to /dev/zero was read without limit, and `doctor` followed
`-r /abs/path`. Every path is now confined to the repository (or the override folder) and reads are capped."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TESTS
from tests.helpers import GOLDEN, WORKFLOWS, copy_project, run, snapshot
from tests.security.conftest import override_project

SECRET = "SECRET-OUTSIDE-THE-REPOSITORY"
CI_GEN = Path(sys.executable).with_name("ci-gen")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"# {SECRET}\n")
    return folder


def test_an_override_cannot_include_a_file_outside_its_folder(tmp_path: Path, outside: Path) -> None:
    override = '{% extends "builtin/ci-gen.yml.j2" %}\n{% block env %}{% include "leak.j2" %}{% endblock %}\n'
    project = override_project(tmp_path, "minimal", {"ci-gen.yml.j2": override})
    (project / "hostile-templates" / "leak.j2").symlink_to(outside / "secret.txt")
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 2
    assert "leaves" in result.output and SECRET not in result.output
    assert not (project / ".github").exists()


def test_generate_does_not_write_through_a_linked_workflows_folder(tmp_path: Path, outside: Path) -> None:
    project = copy_project(GOLDEN / "minimal", tmp_path / "project")
    (project / ".github").mkdir()
    (project / WORKFLOWS).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 2
    assert "leaves" in result.output
    assert snapshot(outside) == before


def test_check_does_not_print_what_a_linked_workflow_points_at(tmp_path: Path, outside: Path) -> None:
    project = copy_project(GOLDEN / "minimal", tmp_path / "project")
    assert run(["-C", str(project), "generate"]).exit_code == 0
    workflow = project / WORKFLOWS / "ci-gen.yml"
    workflow.unlink()
    workflow.symlink_to(outside / "secret.txt")
    result = run(["-C", str(project), "check", "--full"])
    assert result.exit_code == 2
    assert SECRET not in result.output


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # main read /dev/zero until it ran out


def test_a_spec_linked_to_a_device_is_refused_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "ci-gen.yaml").symlink_to("/dev/zero")
    proc = subprocess.run(
        [CI_GEN, "-C", project, "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr


def test_doctor_does_not_follow_an_include_out_of_the_project(tmp_path: Path, outside: Path) -> None:
    project = copy_project(TESTS / "doctor" / "clean", tmp_path / "project")
    (outside / "more.in").write_text("requests==2.0\n")
    with (project / "requirements.in").open("a") as stream:
        stream.write(f"-r {outside / 'more.in'}\n")
    result = run(["-C", str(project), "doctor"])
    assert result.exit_code == 2
    assert "leaves" in result.output
