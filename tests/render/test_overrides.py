"""Errors in a platform team's template override name the override's file and line, and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import GOLDEN, copy_project, run, snapshot

EXTENDS = '{% extends "builtin/ci-gen.yml.j2" %}\n{% block test_steps %}\n'
END = "{% endblock %}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(GOLDEN / "minimal", tmp_path / "project")
    (root / "platform").mkdir()
    spec = root / "ci-gen.yaml"
    spec.write_text(spec.read_text() + "templates: [platform]\n")
    return root


def generate_with(project: Path, steps: str) -> tuple[str, Path]:
    template = project / "platform" / "ci-gen.yml.j2"
    template.write_text(EXTENDS + steps + END)
    before = snapshot(project)
    result = run(["-C", str(project), "generate"])
    assert result.exit_code == 2, result.output
    assert snapshot(project) == before
    return result.stderr, template


def test_syntax_error(project: Path) -> None:
    stderr, template = generate_with(project, "      - name: broken\n        run: {{ plan.project \n")
    assert stderr.startswith(f"error: {template}:5: template error: ")
    assert "Traceback" not in stderr


def test_undefined_variable(project: Path) -> None:
    stderr, template = generate_with(project, "      - name: typo\n        run: {{ plan.test_comand | q }}\n")
    assert stderr.startswith(f"error: {template}:4: template error: UndefinedError: ")
    assert "has no attribute 'test_comand'" in stderr


def test_undefined_name(project: Path) -> None:
    stderr, template = generate_with(project, "      - name: typo\n        run: {{ nonsense | q }}\n")
    assert stderr.startswith(f"error: {template}:4: template error: UndefinedError: 'nonsense' is undefined")


def test_output_that_breaks_the_workflow_schema(project: Path) -> None:
    stderr, template = generate_with(project, "      - name: typo\n        runs: echo hi\n")
    first = stderr.splitlines()[0]
    assert first.startswith("error: .github/workflows/ci-gen.yml:")
    line = int(first.split(":")[2])
    assert line > 3
    assert (
        "jobs.test.steps[3]: GitHub workflow schema: Additional properties are not allowed ('runs'" in first
    )
    assert f"(rendered from {template})" in stderr
    assert "hint: a template (built-in or override) produced an invalid workflow" in stderr


def test_output_that_is_not_yaml(project: Path) -> None:
    stderr, template = generate_with(project, "      - name: broken\n     run: [\n")
    assert stderr.startswith("error: .github/workflows/ci-gen.yml:")
    assert "not valid YAML" in stderr
    assert f"(rendered from {template})" in stderr


def test_unpinned_action_is_rejected(project: Path) -> None:
    stderr, template = generate_with(project, "      - uses: actions/checkout@v4\n")
    assert "'actions/checkout@v4' is not pinned to a full commit SHA" in stderr
    assert f"(rendered from {template})" in stderr


def test_unknown_input_of_a_pinned_action(project: Path) -> None:
    steps = '      - uses: {{ uses["actions/checkout"] }}\n        with:\n          fetch-depht: 0\n'
    stderr, _ = generate_with(project, steps)
    assert "actions/checkout has no input 'fetch-depht'" in stderr


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__",
        "''.__class__.__mro__[1].__subclasses__()",
        "plan.__init__.__globals__",
        "cycler.__init__.__globals__.os",
        "plan.python_matrix.__len__.__self__.__class__",
    ],
)
def test_sandbox_blocks_python_internals(project: Path, expression: str) -> None:
    stderr, template = generate_with(project, f"      - run: {{{{ {expression} }}}}\n")
    assert stderr.startswith(f"error: {template}:3: template error: ")
    assert "SecurityError" in stderr or "UndefinedError" in stderr


def test_sandbox_keeps_the_plan_immutable(project: Path) -> None:
    stderr, template = generate_with(project, "{% set _ = plan.uses.clear() %}      - run: x\n")
    # Templates get read-only mappings: there is no mutating method to call, let alone to allow.
    assert stderr.startswith(f"error: {template}:3: template error: UndefinedError")
    assert "has no attribute 'clear'" in stderr
