"""`ci-gen graph`: the job graph of the rendered workflows as a Mermaid flowchart."""

from __future__ import annotations

import re
from pathlib import Path

from generator.graph import job_graph, mermaid
from tests.helpers import GOLDEN, run

_NODE = re.compile(r"^    (\w+)(?:\[\"(.*)\"\]|\{\{\"(.*)\"\}\}:::(\w+))$")
_EDGE = re.compile(r"^    (\w+) --> (\w+)$")

OVERRIDE = """\
{% extends "builtin/ci-gen.yml.j2" %}
{% block extra_jobs %}

  docs:
    name: 'Build the "docs" <fast>'
    needs: [test, lock]
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: echo docs
{% endblock %}
"""


def parse(text: str) -> tuple[dict[str, tuple[str, str | None]], set[tuple[str, str]]]:
    """Nodes (id -> label, strategy) and edges of our own Mermaid output; every line must be understood."""
    nodes: dict[str, tuple[str, str | None]] = {}
    edges: set[tuple[str, str]] = set()
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        if node := _NODE.match(line):
            nodes[node[1]] = (node[2] or node[3], node[4])
        elif edge := _EDGE.match(line):
            edges.add((edge[1], edge[2]))
        else:
            assert re.match(r'^  (subgraph \w+\["[^"]*"\]|end|classDef \w+ .+)$|^    direction LR$', line), (
                line
            )
    assert {n for edge in edges for n in edge} <= set(nodes), "an edge to an undeclared node"
    return nodes, edges


def test_three_stage_pipeline() -> None:
    result = run(["graph", "-C", str(GOLDEN / "three-stages")])
    assert result.exit_code == 0, result.output
    nodes, edges = parse(result.output)
    labels = {node: label for node, (label, _) in nodes.items()}
    assert labels["ci_gen_yml__test"] == "Test (Python 3.11, 3.12)"  # the matrix, not an expression
    assert labels["ci_gen_drift_yml__drift"] == "Workflows match ci-gen.yaml"
    strategies = {node: strategy for node, (_, strategy) in nodes.items() if strategy}
    assert strategies == {
        "ci_gen_yml__deploy_staging": "basic",
        "ci_gen_yml__deploy_shadow": "shadow",
        "ci_gen_yml__deploy_production": "canary",
    }
    # Tests and training side by side after the lock check; the one build waits for both.
    expected = {
        ("lock", "test"),
        ("lock", "model"),
        ("test", "build"),
        ("model", "build"),
        ("lock", "build"),  # the build reads the lock job's one decision: is this run a release?
        ("build", "deploy_staging"),
        ("build", "deploy_shadow"),
        ("deploy_staging", "deploy_shadow"),
        ("build", "deploy_production"),
        ("deploy_shadow", "deploy_production"),
    }
    assert edges == {(f"ci_gen_yml__{a}", f"ci_gen_yml__{b}") for a, b in expected}
    for strategy in ("basic", "shadow", "canary"):
        assert f"  classDef {strategy} " in result.output


def test_template_overrides_show_up(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    (tmp_path / "overrides" / "ci-gen.yml.j2").write_text(OVERRIDE, encoding="utf-8")
    spec = 'version: 1\nproject: docs\npython: "3.12"\ntemplates: [overrides]\n'
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    (tmp_path / "requirements.in").write_text("flask\n", encoding="utf-8")
    result = run(["graph", "-C", str(tmp_path), "--spec", "spec.yaml"])
    assert result.exit_code == 0, result.output
    nodes, edges = parse(result.output)
    assert nodes["ci_gen_yml__docs"] == ("Build the #quot;docs#quot; #lt;fast#gt;", None)
    assert {("ci_gen_yml__test", "ci_gen_yml__docs"), ("ci_gen_yml__lock", "ci_gen_yml__docs")} <= edges


def test_extra_workflows_get_their_own_subgraph() -> None:
    result = run(["graph", "-C", str(GOLDEN / "template-override")])
    assert result.exit_code == 0, result.output
    assert '  subgraph licenses_yml["Licences"]' in result.output
    nodes, _ = parse(result.output)
    assert nodes["licenses_yml__licences"] == ("Licences of the locked packages", None)


def test_a_bad_spec_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "ci-gen.yaml").write_text("version: 1\nproject: x\n", encoding="utf-8")
    result = run(["graph", "-C", str(tmp_path)])
    assert result.exit_code == 2
    assert "python" in result.output


WORKFLOW = """\
name: odd
jobs:
  a-b: {name: first, runs-on: x, steps: [{run: "true"}]}
  a_b: {runs-on: x, needs: a-b, steps: [{run: "true"}]}
  ship:
    needs: [a_b, not-a-job]
    runs-on: x
    steps:
      - uses: owner/ci-gen@0000000000000000000000000000000000000000
        with: {command: deploy, args: "--stage=prod --image x"}
"""


def test_ids_stay_unique_and_needs_forms_are_read() -> None:
    (workflow,) = job_graph({".github/workflows/odd.yml": WORKFLOW}, {"prod": "canary"})
    nodes = [job.node for job in workflow.jobs]
    assert nodes == ["odd_yml__a_b", "odd_yml__a_b_2", "odd_yml__ship"]
    assert [job.needs for job in workflow.jobs] == [(), ("odd_yml__a_b",), ("odd_yml__a_b_2",)]
    assert [job.name for job in workflow.jobs] == ["first", "a_b", "ship"]
    assert workflow.jobs[2].strategy == "canary"
    assert '    odd_yml__ship{{"ship (canary)"}}:::canary' in mermaid([workflow]).splitlines()
