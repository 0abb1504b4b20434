"""`ci-gen model-report` end to end: a real deploy records the champion, then candidates that pass and
fail its gates, and the replay's agreement for a candidate that agrees and one that does not (both models
served by the stdlib stand-in service, from their artifacts)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli.app import cli
from tests.deploy.conftest import FAKE, Project, need, teardown, write_project
from tests.deploy.helpers import run_deploy

MODEL = """\
model:
  train: "true"
  metrics: out/metrics.json
  artifacts: [out/model.json]
  gates:
    accuracy: [">= 0.5", ">= champion - 0.01"]
    latency_ms: "<= champion * 1.1"
  champion:
    first-release: {first}
    replay:
      requests: requests.jsonl
      serve: {serve}
      model-path: out/model.json
      gates: {{agreement: ">= 0.9"}}
"""
STAGES = "- {name: prod, strategy: basic, basic: {verify: 1s}, gates: {min-requests: 0}}\n"


def make(root: Path, first: str = "pass") -> Project:
    project = write_project(root, STAGES)
    serve = json.dumps(f"{sys.executable} {FAKE}")
    spec = (project.root / "ci-gen.yaml").read_text()
    (project.root / "ci-gen.yaml").write_text(spec + MODEL.format(first=first, serve=serve))
    (project.root / "requests.jsonl").write_text('{"features": [1, 2, 3, 4]}\n' * 10)
    return project


def train(project: Project, label: str, **metrics: float) -> None:
    (project.root / "out").mkdir(exist_ok=True)
    (project.root / "out" / "model.json").write_text(json.dumps({"label": label}))
    (project.root / "out" / "metrics.json").write_text(json.dumps(metrics))


def report(project: Project, *args: str) -> tuple[int, dict[str, object]]:
    out = project.root / "report"
    result = CliRunner().invoke(
        cli, ["model-report", "-C", str(project.root), "--out", str(out), *args], catch_exceptions=False
    )
    return result.exit_code, json.loads((out / "report.json").read_text())


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[Project]:
    """A project whose prod stage serves a model with accuracy 0.95 and latency 20 (the champion)."""
    need("nginx")
    project = make(tmp_path / "project")
    train(project, "setosa", accuracy=0.95, latency_ms=20.0)
    result = run_deploy(project, "prod", "out/model.json")
    assert result.outcome == "installed", result.reason
    assert any("is the champion of prod now" in line for line in result.events)
    yield project
    teardown(project)


def test_a_champion_relative_gate_that_passes_and_one_that_fails(deployed: Project) -> None:
    train(deployed, "setosa", accuracy=0.945, latency_ms=21.0)
    code, data = report(deployed)
    assert code == 0 and data["passed"] is True
    assert data["champion"]["metrics"] == {"accuracy": 0.95, "latency_ms": 20.0}
    train(deployed, "setosa", accuracy=0.93, latency_ms=23.0)
    code, data = report(deployed)
    assert code == 1 and data["passed"] is False
    verdicts = {m["metric"]: [g["verdict"] for g in m["gates"]] for m in data["metrics"]}
    assert verdicts == {"accuracy": ["pass", "fail"], "latency_ms": ["fail"]}


def test_the_replay_agreement_of_a_candidate_that_agrees_and_one_that_does_not(deployed: Project) -> None:
    train(deployed, "setosa", accuracy=0.95, latency_ms=20.0)
    code, data = report(deployed)
    assert code == 0 and data["replay"]["agreement"] == 1.0 and data["replay"]["compared"] == 10
    train(deployed, "virginica", accuracy=0.95, latency_ms=20.0)
    code, data = report(deployed)
    assert code == 1 and data["replay"]["agreement"] == 0.0
    assert data["gates"]["verdict"] == "pass" and data["replay"]["verdict"] == "fail"


def test_exit_zero_reports_without_failing(deployed: Project) -> None:
    train(deployed, "virginica", accuracy=0.1, latency_ms=99.0)
    code, data = report(deployed, "--exit-zero")
    assert code == 0 and data["passed"] is False


@pytest.mark.parametrize(("first", "code"), [("pass", 0), ("fail", 1)])
def test_the_first_release_rule(tmp_path: Path, first: str, code: int) -> None:
    project = make(tmp_path, first)
    train(project, "setosa", accuracy=0.9, latency_ms=10.0)
    exit_code, data = report(project)
    assert exit_code == code
    assert data["champion"] is None and "no champion recorded" in str(data["champion_note"])
    assert data["replay"]["verdict"] == "pass" and "first release" in str(data["replay"]["reason"])


def test_a_missing_metrics_file_is_bad_input(tmp_path: Path) -> None:
    project = make(tmp_path)
    result = CliRunner().invoke(cli, ["model-report", "-C", str(project.root)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "the metrics file 'out/metrics.json' is missing" in result.output
