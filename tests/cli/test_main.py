"""The command group: version, -C before or after the command, --spec, --templates, and the error handler."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import __version__
from generator.render.templates import TemplateSet
from tests.helpers import GOLDEN, WORKFLOWS, copy_project, generated, run

OVERRIDE = (
    '{% extends "builtin/ci-gen-drift.yml.j2" %}\n{% block triggers %}\n  pull_request:\n{% endblock %}\n'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(GOLDEN / "minimal", tmp_path / "project")


def test_version() -> None:
    result = run(["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ci-gen, version {__version__}\n"


def test_unknown_command_suggests_the_closest() -> None:
    result = run(["genrate"])
    assert result.exit_code == 2
    assert "No such command 'genrate'. Did you mean 'generate'?" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_directory_option_before_or_after_the_command(project: Path, where: str) -> None:
    args = ["-C", str(project), "generate"] if where == "before" else ["generate", "-C", str(project)]
    result = run(args)
    assert result.exit_code == 0, result.output
    assert set(generated(project)) == {"ci-gen.yml", "ci-gen-drift.yml"}


def test_directory_that_does_not_exist(tmp_path: Path) -> None:
    result = run(["-C", str(tmp_path / "nowhere"), "validate"])
    assert result.exit_code == 2
    assert "nowhere" in result.stderr


def test_spec_in_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = copy_project(GOLDEN / "no-model", tmp_path / "services" / "text-api")
    monkeypatch.chdir(tmp_path)
    result = run(["generate", "--spec", "services/text-api/ci-gen.yaml"])
    assert result.exit_code == 0, result.output
    assert set(generated(service)) == {"ci-gen.yml", "ci-gen-drift.yml"}  # next to the spec it renders
    assert not (tmp_path / ".github").exists()
    assert run(["check", "--spec", "services/text-api/ci-gen.yaml"]).exit_code == 0


def test_spec_with_another_name(project: Path) -> None:
    (project / "ci-gen.yaml").rename(project / "pipeline.yaml")
    assert run(["-C", str(project), "generate"]).exit_code == 2
    result = run(["-C", str(project), "generate", "--spec", "pipeline.yaml"])
    assert result.exit_code == 0, result.output
    assert 'spec: "pipeline.yaml"' in (project / WORKFLOWS / "ci-gen-drift.yml").read_text()


def test_missing_spec_says_how_to_create_one(tmp_path: Path) -> None:
    result = run(["-C", str(tmp_path), "validate"])
    assert result.exit_code == 2
    assert "no such file; create one with `ci-gen init`" in result.stderr


def test_templates_option_overrides_before_the_spec(project: Path) -> None:
    (project / "platform").mkdir()
    (project / "platform" / "ci-gen-drift.yml.j2").write_text(OVERRIDE)
    result = run(["-C", str(project), "generate", "--templates", "platform"])
    assert result.exit_code == 0, result.output
    drift = (project / WORKFLOWS / "ci-gen-drift.yml").read_text()
    assert "  pull_request:\n\npermissions" in drift and "push:" not in drift
    assert run(["-C", str(project), "check", "--templates", "platform"]).exit_code == 0
    stale = run(["-C", str(project), "check"])
    assert stale.exit_code == 1  # without the folder the rendering differs
    assert "--templates" not in stale.stderr


def test_missing_templates_folder(project: Path) -> None:
    result = run(["-C", str(project), "generate", "--templates", "nope"])
    assert result.exit_code == 2
    assert "template folder" in result.stderr and "does not exist" in result.stderr


def boom(self: TemplateSet) -> None:
    raise RuntimeError("boom")


def test_internal_error_is_exit_3_without_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TemplateSet, "environment", boom)
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "please report it at https://" in result.stderr
    assert "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / ".github").exists()


def test_internal_error_with_debug_shows_the_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TemplateSet, "environment", boom)
    result = run(["-C", str(project), "generate", "--debug"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert 'raise RuntimeError("boom")' in result.stderr


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    """`ci-gen validate | head -1`: the reader may go away before ci-gen writes."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "generator.cli", "-C", str(GOLDEN / "minimal"), "validate"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # before the interpreter has even started: the write must fail
        errors = process.stderr.read().decode()
        assert process.wait(timeout=60) == 141
    assert "internal error" not in errors and "Traceback" not in errors
