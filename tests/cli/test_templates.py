"""`ci-gen templates list | eject`: the search path, the blocks, and overrides that extend a built-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.render.header import split_header
from tests.helpers import GOLDEN, WORKFLOWS, copy_project, run

OVERRIDE = """\
{% extends "builtin/ci-gen.yml.j2" %}
{% block test_steps %}
      - name: Run the tests in random order
        run: {{ (plan.test_command ~ " -p random_order") | q }}
{% endblock %}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(GOLDEN / "minimal", tmp_path / "project")


def body(root: Path, name: str = "ci-gen.yml") -> str:
    return split_header((root / WORKFLOWS / name).read_text())[1]


def test_list_shows_sources_and_blocks(project: Path) -> None:
    result = run(["-C", str(project), "templates", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "ci-gen.yml.j2  [built-in]" in lines
    assert "ci-gen-drift.yml.j2  [built-in]" in lines
    blocks = lines[lines.index("ci-gen.yml.j2  [built-in]") + 1]
    assert blocks.startswith("    blocks: ")
    assert {"test_steps", "deploy_job", "smoke_test", "extra_jobs"} <= set(blocks.split(": ")[1].split(", "))


def test_eject_copies_the_builtin_and_refuses_to_overwrite(project: Path) -> None:
    result = run(["-C", str(project), "templates", "eject", "ci-gen.yml.j2"])
    assert result.exit_code == 0, result.output
    assert "add it to the spec:  templates: [" in result.stdout
    copy = project / "ci-templates" / "ci-gen.yml.j2"
    builtin = Path(__file__).resolve().parents[2] / "workflow_templates" / "ci-gen.yml.j2"
    assert copy.read_text() == builtin.read_text()
    copy.write_text("mine")
    again = run(["-C", str(project), "templates", "eject", "ci-gen.yml.j2"])
    assert again.exit_code == 2
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert copy.read_text() == "mine"
    assert run(["-C", str(project), "templates", "eject", "ci-gen.yml.j2", "--force"]).exit_code == 0
    assert copy.read_text() == builtin.read_text()


def test_eject_unknown_name_suggests_the_right_one(project: Path) -> None:
    result = run(["-C", str(project), "templates", "eject", "ci-gen.yml"])
    assert result.exit_code == 2
    assert "error: no built-in template 'ci-gen.yml'" in result.stderr
    assert "did you mean 'ci-gen.yml.j2'?" in result.stderr
    assert not (project / "ci-templates").exists()


def test_an_unchanged_ejected_copy_renders_the_same_workflow(project: Path) -> None:
    assert run(["-C", str(project), "generate"]).exit_code == 0
    before = body(project)
    run(["-C", str(project), "templates", "eject", "ci-gen.yml.j2"])
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text() + "templates: [ci-templates]\n")
    assert run(["-C", str(project), "generate"]).exit_code == 0
    assert body(project) == before


def test_extends_override_replaces_one_block(project: Path) -> None:
    assert run(["-C", str(project), "generate"]).exit_code == 0
    before = body(project)
    run(["-C", str(project), "templates", "eject", "ci-gen.yml.j2"])
    (project / "ci-templates" / "ci-gen.yml.j2").write_text(OVERRIDE)
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text() + "templates: [ci-templates]\n")
    listing = run(["-C", str(project), "templates", "list"]).stdout
    folder = project / "ci-templates"
    assert f"ci-gen.yml.j2  [{folder}] (overrides the built-in)\n    blocks: test_steps\n" in listing
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 0, result.output
    after = body(project)
    assert '        run: "python -m pytest -p random_order"\n' in after
    old_step = '      - name: Run the tests\n        run: "python -m pytest"\n'
    new_step = (
        '      - name: Run the tests in random order\n        run: "python -m pytest -p random_order"\n'
    )
    assert before.replace(old_step, new_step) == after  # nothing else changed
