"""basic, shadow and canary against the in-memory target: every gate outcome, as tables.

Each row deploys v2 over an installed v1 and states what should happen: the outcome, the gate that
decides and its verdict. The gates are the real ones (generator/deploy/gates.py, drift_gate.py), the
state is the real state file; the windows are minutes long on a fake clock, so a row takes milliseconds.
tests/deploy/test_strategy_steps.py has every step in order; test_strategy_resume.py the reruns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.deploy.drift_gate import DriftSource
from generator.deploy.report import DeployReport
from generator.monitor import profile
from generator.spec.monitor import Thresholds
from tests.deploy.memory import DISAGREES, ERRORS, SHEDS, SLOW, UNLOGGED, Behaviour, Metrics, World
from tests.deploy.memory_run import FAILURE, SUCCESS, Driver, assert_end, stage_plan, verdicts
from tests.monitor.synthetic import rows


@dataclass(frozen=True)
class Row:
    """One deploy of v2 over v1: the candidate's behaviour and the stage's gates, then what must happen."""

    gates: dict[str, Any]
    candidate: Behaviour
    passes: bool  # the strategy's success (promoted / passed), else its failure (rolled back / failed)
    gate: str  # the gate reported for the last judged window ...
    verdict: str  # ... and its verdict
    users: int = 100  # user requests per poll (a poll every 10 s, windows of 60 s)
    stable: Metrics = field(default_factory=Metrics)


def deploy(folder, strategy: str, row: Row) -> tuple[DeployReport, Driver]:
    world = World(behaviours={"v1": Behaviour(metrics=row.stable), "v2": row.candidate})
    driver = Driver(world, folder, stage_plan(strategy, {"min-requests": 50, **row.gates}))
    assert driver.deploy("v1").outcome == "installed"
    world.users_per_poll = row.users
    return driver.deploy("v2"), driver


ALONE = {"latency-p99-vs-stable": None}  # the default ratio gate would judge a slow candidate too
# Gates that every strategy judges the same way: on the candidate's own requests.
OWN = {
    "pass": Row({}, Behaviour(), True, "error-rate", "pass"),
    "error rate fails": Row({}, Behaviour(metrics=ERRORS), False, "error-rate", "fail"),
    "error rate within a loose gate": Row(
        {"error-rate": "<= 0.3"}, Behaviour(metrics=ERRORS), True, "error-rate", "pass"
    ),
    **{
        f"p{q} fails": Row(
            {f"latency-p{q}-ms": "<= 100", **ALONE},
            Behaviour(metrics=SLOW),
            False,
            f"latency-p{q}-ms",
            "fail",
        )
        for q in (50, 95, 99)
    },
    **{
        f"p{q} passes": Row(
            {f"latency-p{q}-ms": "<= 400", **ALONE}, Behaviour(metrics=SLOW), True, f"latency-p{q}-ms", "pass"
        )
        for q in (50, 95, 99)
    },
    "too few requests": Row({}, Behaviour(), False, "error-rate", "inconclusive", users=5),
    "no gates at all: nothing can fail": Row(
        {"error-rate": None, "latency-p99-vs-stable": None}, Behaviour(metrics=ERRORS), True, "", ""
    ),
}


@pytest.mark.parametrize("strategy", ["basic", "shadow", "canary"])
@pytest.mark.parametrize("row", list(OWN.values()), ids=list(OWN))
def test_gates_on_the_candidates_own_requests(state_root, strategy: str, row: Row) -> None:
    report, driver = deploy(state_root, strategy, row)
    assert report.outcome == (SUCCESS if row.passes else FAILURE)[strategy], report.reason
    if row.gate:
        assert verdicts(report)[row.gate] == row.verdict
        assert row.passes or row.gate in report.reason
    assert_end(strategy, report, driver, row.passes)


SLOWER = Behaviour(metrics=Metrics(latency_ms=60))
RATIO = {"error-rate": "<= 0.5", "latency-p99-vs-stable": None}
WORSE_ERRORS = Behaviour(metrics=Metrics(error_rate=0.3))
# Gates that compare with stable (in the same window), or need stable's predictions: per strategy.
COMPARED = {
    **{
        f"p{q} vs stable fails": (
            Row({f"latency-p{q}-vs-stable": "<= 1.5"}, SLOWER, False, f"latency-p{q}-vs-stable", "fail"),
            {"basic"},
        )
        for q in (50, 95, 99)
    },
    "p99 vs stable passes": (
        Row({}, Behaviour(metrics=Metrics(latency_ms=24)), True, "latency-p99-vs-stable", "pass"),
        {"basic"},
    ),
    "p99 over its ratio by chance, not significantly": (
        Row({}, Behaviour(metrics=Metrics(tail=0.02)), True, "latency-p99-vs-stable", "pass"),
        {"basic"},
    ),
    "error rate vs stable fails": (
        Row({**RATIO, "error-rate-vs-stable": "<= 2"}, WORSE_ERRORS, False, "error-rate-vs-stable", "fail"),
        {"basic"},
    ),
    "error rate vs stable within its tolerance": (
        Row(
            {**RATIO, "error-rate-vs-stable": "<= 2"},
            WORSE_ERRORS,
            True,
            "error-rate-vs-stable",
            "pass",
            stable=Metrics(error_rate=0.25),
        ),
        {"basic"},
    ),
    "agreement fails": (
        Row({"agreement": ">= 0.9"}, Behaviour(metrics=DISAGREES), False, "agreement", "fail"),
        {"basic"},
    ),
    "agreement passes": (Row({"agreement": ">= 0.9"}, Behaviour(), True, "agreement", "pass"), {"basic"}),
    "agreement on too few compared": (
        Row({"agreement": ">= 0.9"}, Behaviour(metrics=UNLOGGED), False, "agreement", "inconclusive"),
        {"basic"},
    ),
}


@pytest.mark.parametrize("strategy", ["basic", "shadow", "canary"])
@pytest.mark.parametrize("case", list(COMPARED.values()), ids=list(COMPARED))
def test_gates_that_compare_with_stable(state_root, strategy: str, case: tuple[Row, set[str]]) -> None:
    """basic moves every user at once, so nothing is paired or compared: those gates are skipped there
    (reported as skipped), and the candidate is judged on its own gates."""
    row, skipped_in = case
    report, driver = deploy(state_root, strategy, row)
    if strategy in skipped_in:
        assert verdicts(report)[row.gate] == "skip"
        assert report.outcome == SUCCESS[strategy], report.reason
        assert_end(strategy, report, driver, True)
        return
    assert verdicts(report)[row.gate] == row.verdict
    assert report.outcome == (SUCCESS if row.passes else FAILURE)[strategy], report.reason
    assert_end(strategy, report, driver, row.passes)


def test_a_shadow_candidate_that_cannot_keep_up_fails_on_shed(state_root) -> None:
    row = Row({}, Behaviour(metrics=SHEDS), False, "shed", "fail")
    report, driver = deploy(state_root, "shadow", row)
    assert report.outcome == "failed"
    assert verdicts(report)["shed"] == "fail"
    assert (report.steps[-1]["offered"], report.steps[-1]["shed"]) == (100, 80)  # ends the window at once
    assert_end("shadow", report, driver, False)


REFERENCE = profile.build(rows(3000, seed=1), "prediction")
DRIFT_GATES = {"drift": "<= 0.5", "prediction-drift": "<= 0.5", "latency-p99-vs-stable": None}
DRIFT = {
    "no drift": Row(DRIFT_GATES, Behaviour(), True, "drift", "pass"),
    "inputs drifted": Row(DRIFT_GATES, Behaviour(metrics=Metrics(shift=1.5)), False, "drift", "fail"),
    "predictions collapsed": Row(
        DRIFT_GATES, Behaviour(metrics=Metrics(collapse=True)), False, "prediction-drift", "fail"
    ),
    "too few predictions logged": Row(
        DRIFT_GATES, Behaviour(metrics=UNLOGGED), False, "drift", "inconclusive", stable=Metrics(logged=0.05)
    ),
}


@pytest.mark.parametrize("strategy", ["basic", "shadow", "canary"])
@pytest.mark.parametrize("row", list(DRIFT.values()), ids=list(DRIFT))
def test_drift_gates_on_the_candidates_logged_predictions(state_root, strategy: str, row: Row) -> None:
    """The drift gates read the candidate's prediction log through the target (log_reader), judged on
    the whole window against the reference profile (monitor min-rows 50)."""
    world = World(behaviours={"v1": Behaviour(metrics=row.stable), "v2": row.candidate}, logs=True)
    source = DriftSource(REFERENCE, Thresholds.model_validate({"min-rows": 50}), Path("reference.json"))
    plan = stage_plan(strategy, {"min-requests": 50, **row.gates})
    driver = Driver(world, state_root, plan, drift=source)
    assert driver.deploy("v1").outcome == "installed"
    report = driver.deploy("v2")
    assert report.outcome == (SUCCESS if row.passes else FAILURE)[strategy], report.reason
    assert verdicts(report)[row.gate] == row.verdict
    assert [s["seconds"] for s in report.steps] == [60.0] * len(report.steps)  # never ended early
    assert_end(strategy, report, driver, row.passes)


def test_a_ratio_over_its_threshold_by_chance_is_reported_as_such(state_root) -> None:
    """2% of the candidate's requests are 10x slower: its p99 is 10x stable's, but the Mann-Whitney test
    does not show the candidate slower than 1.5x stable, so the gate passes and says why."""
    row = Row({}, Behaviour(metrics=Metrics(tail=0.02)), True, "latency-p99-vs-stable", "pass")
    report, _ = deploy(state_root, "canary", row)
    (gate,) = [g for g in report.steps[-1]["gates"] if g["gate"] == "latency-p99-vs-stable"]
    assert gate["value"] > 1.5 and gate["verdict"] == "pass"
    assert "by chance, not significantly (Mann-Whitney U" in gate["reason"]


@pytest.mark.parametrize(
    ("steps", "outcome", "verdict", "note"),
    [
        # 89% of 100 users a poll leaves stable 66 requests a window, fewer than min-requests 80
        ((89, 100), "rolled back", "inconclusive", None),  # nothing earlier to compare with
        ((20, 89), "promoted", "pass", "compared with its previous step"),  # stable's baseline at 20%
        ((20, 90), "promoted", "pass", "copies of the candidate's requests"),  # replayed to stable
    ],
)
def test_canary_compares_with_stable_in_the_same_window_or_its_previous_step(
    state_root, steps: tuple[int, int], outcome: str, verdict: str, note: str | None
) -> None:
    world = World()
    driver = Driver(world, state_root, stage_plan("canary", {"min-requests": 80}, steps=steps))
    driver.deploy("v1")
    report = driver.deploy("v2")
    assert report.outcome == outcome, report.reason
    step = report.steps[-1] if outcome == "promoted" else report.steps[0]
    assert {g["gate"]: g["verdict"] for g in step["gates"]}["latency-p99-vs-stable"] == verdict
    assert (note is None and not step["notes"]) or any(note in n for n in step["notes"])
