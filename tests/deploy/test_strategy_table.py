"""basic, shadow and canary against the in-memory target: every gate outcome and every step, as tables.

Each row deploys v2 over an installed v1 and states what should happen: the outcome, the gate that
decides and its verdict, and (for the step tables) every operation the strategy asks of the target, in
order. The gates are the real ones (generator/deploy/gates.py), the state is the real state file; the
windows are minutes long on a fake clock, so the whole table runs in about a second.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import pytest

from generator.deploy.report import DeployReport
from generator.deploy.targets.base import Target
from tests.deploy.memory import Behaviour, Driver, MemoryTarget, Metrics, Routing, World, stage_plan

SUCCESS = {"basic": "promoted", "shadow": "passed", "canary": "promoted"}
FAILURE = {"basic": "rolled back", "shadow": "failed", "canary": "rolled back"}
SLOW, ERRORS, DISAGREES, SHEDS = (
    Metrics(latency_ms=300),
    Metrics(error_rate=0.2),
    Metrics(agreement=0.5),
    Metrics(shed=0.8),
)
UNLOGGED = Metrics(logged=0.05)  # few of its predictions reach its log, so few are compared


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


def deploy(tmp_path, strategy: str, row: Row) -> tuple[DeployReport, World, Driver]:
    world = World(behaviours={"v1": Behaviour(metrics=row.stable), "v2": row.candidate})
    driver = Driver(world, tmp_path, stage_plan(strategy, {"min-requests": 50, **row.gates}))
    assert driver.deploy("v1").outcome == "installed"
    world.users_per_poll = row.users
    return driver.deploy("v2"), world, driver


def verdicts(report: DeployReport) -> dict[str, str]:
    return {g["gate"]: g["verdict"] for g in report.steps[-1]["gates"]}


def assert_end(strategy: str, report: DeployReport, world: World, driver: Driver, passes: bool) -> None:
    """A promotion leaves v2 alone on stable; anything else leaves v1 alone; no weight, no mirror."""
    stable = "v2" if passes and strategy != "shadow" else "v1"
    assert world.end() == {"tracks": {"stable": stable}, "router": Routing()}
    state = driver.state()
    assert state.stable is not None and state.stable.version == stable
    assert (state.deploy, state.weight, state.mirror) == (None, 0, None)
    assert state.history[-1]["version"] == "v2"
    assert state.history[-1]["outcome"] == report.outcome
    assert report.exit_code == (0 if passes else 1)


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
    "no gate but min-requests": Row(
        {"error-rate": None, "latency-p99-vs-stable": None}, Behaviour(metrics=ERRORS), True, "", ""
    ),
}


@pytest.mark.parametrize("strategy", ["basic", "shadow", "canary"])
@pytest.mark.parametrize("row", list(OWN.values()), ids=list(OWN))
def test_gates_on_the_candidates_own_requests(tmp_path, strategy: str, row: Row) -> None:
    report, world, driver = deploy(tmp_path, strategy, row)
    assert report.outcome == (SUCCESS if row.passes else FAILURE)[strategy], report.reason
    if row.gate:
        assert verdicts(report)[row.gate] == row.verdict
        assert row.passes or row.gate in report.reason
    assert_end(strategy, report, world, driver, row.passes)


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
def test_gates_that_compare_with_stable(tmp_path, strategy: str, case: tuple[Row, set[str]]) -> None:
    """basic moves every user at once, so nothing is paired or compared: those gates are skipped there
    (reported as skipped), and the candidate is judged on its own gates."""
    row, skipped_in = case
    report, world, driver = deploy(tmp_path, strategy, row)
    if strategy in skipped_in:
        assert verdicts(report)[row.gate] == "skip"
        assert report.outcome == SUCCESS[strategy], report.reason
        assert_end(strategy, report, world, driver, True)
        return
    assert verdicts(report)[row.gate] == row.verdict
    assert report.outcome == (SUCCESS if row.passes else FAILURE)[strategy], report.reason
    assert_end(strategy, report, world, driver, row.passes)


def test_a_shadow_candidate_that_cannot_keep_up_fails_on_shed(tmp_path) -> None:
    row = Row({}, Behaviour(metrics=SHEDS), False, "shed", "fail")
    report, world, driver = deploy(tmp_path, "shadow", row)
    assert report.outcome == "failed"
    assert verdicts(report)["shed"] == "fail"
    assert (report.steps[-1]["offered"], report.steps[-1]["shed"]) == (100, 80)  # ends the window at once
    assert_end("shadow", report, world, driver, False)


START = ["mirror off", "weight 0", "start candidate v2"]
BACK = ["mirror off", "weight 0", "stop candidate"]  # restore: stable alone, no weight, no mirror
AGREE = {"agreement": ">= 0.9"}


@dataclass(frozen=True)
class Steps:
    """A deploy's operations, in order, and the judged windows (name, weight, seconds on the clock)."""

    strategy: str
    candidate: Behaviour
    ops: list[str]
    windows: list[tuple[str, int, float]]
    outcome: str
    gates: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


CANARY_WINDOWS = [("canary 1/3", 10, 60.0), ("canary 2/3", 50, 60.0), ("canary 3/3", 100, 60.0)]
STEPS = {
    "basic promotes": Steps(
        "basic", Behaviour(), [*START, "weight 100", "promote"], [("verify", 100, 60.0)], "promoted"
    ),
    "basic rolls back a failing candidate after one poll": Steps(
        "basic",
        Behaviour(metrics=ERRORS),
        [*START, "weight 100", *BACK],
        [("verify", 100, 10.0)],
        "rolled back",
    ),
    "basic: a candidate never healthy gets no traffic": Steps(
        "basic", Behaviour(healthy=False), [*START, *BACK], [], "rolled back"
    ),
    "basic: a candidate that exits under traffic": Steps(
        "basic", Behaviour(exits_at=100), [*START, "weight 100", *BACK], [], "rolled back"
    ),
    "shadow passes and removes the candidate": Steps(
        "shadow",
        Behaviour(),
        [*START, "weight 0", "mirror candidate 25", "mirror off", "stop candidate"],
        [("shadow", 0, 120.0)],
        "passed",
        settings={"mirror_percent": 25, "duration": 120.0},
    ),
    "shadow fails on evidence after one poll": Steps(
        "shadow",
        Behaviour(metrics=ERRORS),
        [*START, "weight 0", "mirror candidate 100", "mirror off", *BACK],
        [("shadow", 0, 10.0)],
        "failed",
    ),
    "shadow judges latency on the whole window": Steps(
        "shadow",
        Behaviour(metrics=SLOW),
        [*START, "weight 0", "mirror candidate 100", "mirror off", *BACK],
        [("shadow", 0, 60.0)],
        "failed",
    ),
    "shadow: a candidate that exits under copies": Steps(
        "shadow",
        Behaviour(exits_at=0),
        [*START, "weight 0", "mirror candidate 100", "mirror off", *BACK],
        [],
        "failed",
    ),
    "shadow: a candidate never healthy": Steps(
        "shadow", Behaviour(healthy=False), [*START, *BACK], [], "failed"
    ),
    "canary promotes through its steps": Steps(
        "canary",
        Behaviour(),
        # near full weight stable's users are too few: the candidate's requests are replayed to stable
        [
            *START,
            "weight 10",
            "mirror off",
            "weight 50",
            "mirror off",
            "weight 100",
            "mirror stable 100",
            "mirror off",
            "promote",
        ],
        CANARY_WINDOWS,
        "promoted",
    ),
    "canary with an agreement gate mirrors to stable at every step": Steps(
        "canary",
        Behaviour(),
        [
            *START,
            *(op for w in (10, 50, 100) for op in (f"weight {w}", "mirror stable 100", "mirror off")),
            "promote",
        ],
        CANARY_WINDOWS,
        "promoted",
        gates=AGREE,
    ),
    "canary with its own steps": Steps(
        "canary",
        Behaviour(),
        [*START, "weight 20", "mirror off", "weight 95", "mirror stable 100", "mirror off", "promote"],
        [("canary 1/2", 20, 30.0), ("canary 2/2", 95, 30.0)],
        "promoted",
        settings={"steps": (20, 95), "interval": 30.0},
    ),
    "canary stops at the step that fails, at once": Steps(
        "canary",
        Behaviour(at_weight={50: ERRORS}),
        [*START, "weight 10", "mirror off", "weight 50", "mirror off", *BACK],
        [("canary 1/3", 10, 60.0), ("canary 2/3", 50, 10.0)],
        "rolled back",
    ),
    "canary judges latency on the whole window": Steps(
        "canary",
        Behaviour(at_weight={100: SLOW}),
        [
            *START,
            "weight 10",
            "mirror off",
            "weight 50",
            "mirror off",
            "weight 100",
            "mirror stable 100",
            "mirror off",
            *BACK,
        ],
        CANARY_WINDOWS,
        "rolled back",
    ),
    "canary disagreeing at its first step": Steps(
        "canary",
        Behaviour(metrics=DISAGREES),
        [*START, "weight 10", "mirror stable 100", "mirror off", *BACK],
        [("canary 1/3", 10, 50.0)],  # ended once 50 predictions were compared (min-requests)
        "rolled back",
        gates=AGREE,
    ),
    "canary: a candidate that exits at 50%": Steps(
        "canary",
        Behaviour(exits_at=50),
        [*START, "weight 10", "mirror off", "weight 50", "mirror off", *BACK],
        [("canary 1/3", 10, 60.0)],
        "rolled back",
    ),
    "canary: a candidate never healthy": Steps(
        "canary", Behaviour(healthy=False), [*START, *BACK], [], "rolled back"
    ),
}


@pytest.mark.parametrize("case", list(STEPS.values()), ids=list(STEPS))
def test_every_step_in_order(tmp_path, case: Steps) -> None:
    world = World(behaviours={"v2": case.candidate})
    plan = stage_plan(case.strategy, {"min-requests": 50, **case.gates}, **case.settings)
    driver = Driver(world, tmp_path, plan)
    driver.deploy("v1")
    before = len(world.ops)
    report = driver.deploy("v2")
    assert report.outcome == case.outcome, report.reason
    assert world.ops[before:] == case.ops
    assert [(s["step"], s["weight"], s["seconds"]) for s in report.steps] == case.windows
    assert_end(case.strategy, report, world, driver, case.outcome in ("promoted", "passed"))


def test_the_memory_target_offers_the_target_protocol() -> None:
    """The tables above drive the strategies through exactly the operations the real targets offer."""
    for name in (n for n in vars(Target) if not n.startswith("_")):
        theirs, ours = (
            inspect.signature(getattr(Target, name)),
            inspect.signature(getattr(MemoryTarget, name)),
        )
        assert list(ours.parameters.values()) == list(theirs.parameters.values()), name
