"""The drift gates: unit checks of the gate kind, and a canary on real nginx rolled back on drifted inputs."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.deploy.drift_gate import combine, drift_results
from generator.deploy.gates import GateResult, Judgement, Verdict
from generator.monitor import profile
from generator.monitor.drift import compare
from generator.monitor.records import logged
from generator.monitor.run import make_profile
from generator.spec.model import DeployGates
from generator.spec.monitor import Thresholds
from tests.deploy.helpers import run_deploy, state, users
from tests.monitor.synthetic import log_lines, rows


def _gates(**values) -> DeployGates:
    return DeployGates.model_validate(values)


def _report(live):
    reference = profile.build(rows(3000, seed=1), "prediction")
    return compare(reference, logged(log_lines(live)), Thresholds())


def test_drift_gates_measure_inputs_and_predictions_separately():
    gates = _gates(**{"drift": "<= 0.2", "prediction-drift": "<= 0.2", "min-requests": 50})
    shifted = {r.gate: r for r in drift_results(gates, _report(rows(1000, seed=2, shift=1.5)))}
    assert shifted["drift"].verdict is Verdict.FAIL and "drift" in shifted["drift"].reason
    collapsed = {r.gate: r for r in drift_results(gates, _report(rows(1000, seed=2, collapse=True)))}
    assert collapsed["drift"].verdict is Verdict.PASS
    assert collapsed["prediction-drift"].verdict is Verdict.FAIL


def test_drift_gate_with_too_few_rows_is_inconclusive_and_fails_safe():
    gates = _gates(**{"drift": "<= 0.2", "min-requests": 10})
    (result,) = drift_results(gates, _report(rows(40, seed=3)))  # monitor min-rows 100 is the larger
    assert result.verdict is Verdict.INCONCLUSIVE and "only 40 logged predictions" in result.reason
    judged = combine(
        Judgement((GateResult("error-rate", "<= 0.01", 0.0, Verdict.PASS),), Verdict.PASS), (result,)
    )
    assert judged.verdict is Verdict.INCONCLUSIVE and not judged.passed


def test_no_drift_gates_leaves_the_judgement_alone():
    assert drift_results(_gates(), _report(rows(500, seed=4))) == ()


CANARY = """\
- name: prod
  strategy: canary
  canary: {steps: [50, 100], interval: 4s}
  gates:
    error-rate: "<= 0.02"
    latency-p99-vs-stable: null  # judged elsewhere; under a loaded CI machine it is noise here
    drift: "<= 0.5"  # PSI of 40 rows from the same distribution stays below 0.5 (p > 0.99)
    min-requests: 40
"""

MONITOR = """\
model:
  train: "true"
  metrics: metrics.json
  artifacts: [models]
monitor:
  reference: reference.jsonl
  thresholds: {min-rows: 40}
"""


def _bodies(low: float, high: float, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [json.dumps({"features": {"x": rng.uniform(low, high)}}).encode() for _ in range(200)]


@pytest.fixture
def drift_project(make_project):
    project = make_project(CANARY)
    with (project.root / "ci-gen.yaml").open("a") as spec:
        spec.write(MONITOR)
    rng = random.Random(0)
    records = [{"x": rng.uniform(0, 1), "prediction": "setosa"} for _ in range(1000)]
    (project.root / "reference.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    make_profile(project.location)
    assert run_deploy(project, "prod", project.model("v1"), version="v1").outcome == "installed"
    return project


@pytest.mark.slow
def test_canary_seeing_drifted_inputs_is_rolled_back(drift_project):
    load = users(drift_project, rate=40, bodies=_bodies(3, 4, seed=1))
    report = run_deploy(drift_project, "prod", drift_project.model("v2"), version="v2")
    load.stop()
    assert (report.outcome, report.exit_code) == ("rolled back", 1), report.events
    assert "drift" in report.reason and "is not <= 0.5" in report.reason
    assert state(drift_project).stable.version == "v1"


@pytest.mark.slow
def test_canary_seeing_the_training_distribution_is_promoted(drift_project):
    load = users(drift_project, rate=40, bodies=_bodies(0, 1, seed=2))
    report = run_deploy(drift_project, "prod", drift_project.model("v2"), version="v2")
    load.stop()
    assert (report.outcome, report.exit_code) == ("promoted", 0), report.events
    drift = [r for s in report.steps for r in s["gates"] if r["gate"] == "drift"]
    assert drift and all(r["verdict"] == "pass" and r["value"] < 0.5 for r in drift)


@pytest.mark.slow
def test_monitor_reads_the_stage_stable_log_after_drifted_traffic(drift_project, tmp_path):
    load = users(drift_project, rate=40, duration=3, bodies=_bodies(3, 4, seed=3))
    load.join()
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli,
        ["-C", str(drift_project.root), "monitor", "--stage", "prod", "--report-dir", str(out), "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    document = json.loads(result.output)
    assert document["verdict"] == "drift" and document["rows"] >= 50
    assert document["log"].endswith(".out")  # the stable track's own output file
    assert (out / "drift-x.png").read_bytes().startswith(b"\x89PNG")
