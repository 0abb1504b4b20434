"""basic, shadow and canary against the in-memory target: every step in order, and the first version.

Each row states every operation the strategy asks of the target, in order, and the judged windows (name,
weight, seconds on the fake clock); the first-version rows deploy into an empty environment and state
whether the release becomes stable. tests/deploy/test_strategy_gates.py has the gate outcomes.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass, field
from typing import Any

import pytest

from generator.deploy.targets.base import Target
from tests.deploy.memory import DISAGREES, ERRORS, SLOW, Behaviour, MemoryTarget, Routing, World
from tests.deploy.memory_run import Driver, assert_end, front_door, stage_plan

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
    stable_gone: bool = False  # the stable track is not running when the deploy starts
    router_deaths: int = 0


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
    "basic: a stable track found stopped is started first": Steps(
        "basic",
        Behaviour(),
        ["start stable v1", *START, "weight 100", "promote"],
        [("verify", 100, 60.0)],
        "promoted",
        stable_gone=True,
    ),
    "basic: a router that dies once mid-window is restored and the window restarts": Steps(
        "basic",
        Behaviour(),
        [*START, "weight 100", "restore router", "promote"],
        [("verify", 100, 60.0)],
        "promoted",
        router_deaths=1,
    ),
    "canary: a router that keeps dying fails the step": Steps(
        "canary",
        Behaviour(),
        [*START, "weight 10", *["restore router"] * 2, "mirror off", *BACK],
        [],
        "rolled back",
        router_deaths=3,
    ),
    "canary: a candidate never healthy": Steps(
        "canary", Behaviour(healthy=False), [*START, *BACK], [], "rolled back"
    ),
}


@pytest.mark.parametrize("case", list(STEPS.values()), ids=list(STEPS))
def test_every_step_in_order(state_root, case: Steps) -> None:
    world = World(behaviours={"v2": case.candidate})
    plan = stage_plan(case.strategy, {"min-requests": 50, **case.gates}, **case.settings)
    driver = Driver(world, state_root, plan)
    driver.deploy("v1")
    before = len(world.ops)
    if case.stable_gone:
        del world.tracks["stable"]
    world.router_deaths = case.router_deaths
    report = driver.deploy("v2")
    assert report.outcome == case.outcome, report.reason
    assert world.ops[before:] == case.ops
    assert [(s["step"], s["weight"], s["seconds"]) for s in report.steps] == case.windows
    assert_end(case.strategy, report, driver, case.outcome in ("promoted", "passed"))


def test_the_memory_target_offers_the_target_protocol() -> None:
    """The tables above drive the strategies through exactly the operations the real targets offer."""
    for name in (n for n in vars(Target) if not n.startswith("_")):
        theirs, ours = (
            inspect.signature(getattr(Target, name)),
            inspect.signature(getattr(MemoryTarget, name)),
        )
        assert list(ours.parameters.values()) == list(theirs.parameters.values()), name


@dataclass(frozen=True)
class First:
    """The first deploy (v1) into an empty environment: what ci-gen can send it, and what must happen."""

    candidate: Behaviour
    installed: bool
    reason: str  # in the report's reason
    sample: bytes | None = b'{"features": [1, 2]}'
    reachable: bool = True  # ci-gen can reach the router from here (the local target's URL)
    users: int = 100


FIRST = {
    "judged, then installed": First(
        Behaviour(), True, "healthy; answered the sample request; passed the gates on synthetic traffic"
    ),
    "never healthy": First(Behaviour(healthy=False), False, "was not healthy within 60 s"),
    "sample request fails": First(Behaviour(status=500), False, "sample request to /predict got HTTP 500"),
    "gates fail": First(Behaviour(metrics=ERRORS), False, "first version: fail: error-rate"),
    "too few requests": First(Behaviour(), False, "first version: inconclusive: error-rate: only 3", users=1),
    "nothing to send": First(Behaviour(), True, "gates not judged: no sample-request", sample=None),
    "router out of reach": First(Behaviour(metrics=ERRORS), True, "no requests sent", reachable=False),
}


@pytest.mark.parametrize("strategy", ["basic", "shadow", "canary"])
@pytest.mark.parametrize("case", list(FIRST.values()), ids=list(FIRST))
def test_a_first_version_is_judged_before_it_becomes_stable(state_root, strategy: str, case: First) -> None:
    """Refused: nothing runs and nothing is recorded as stable. Installed: stable alone, no weight."""
    world = World(behaviours={"v1": case.candidate}, users_per_poll=case.users)
    driver = Driver(world, state_root, stage_plan(strategy, {"min-requests": 50}))
    driver.sample, driver.bodies = case.sample, (case.sample,) if case.sample else ()
    with front_door(world) if case.reachable else contextlib.nullcontext():
        report = driver.deploy("v1")
    assert (report.outcome, report.exit_code) == (("installed", 0) if case.installed else ("refused", 1))
    assert case.reason in report.reason
    state = driver.state()
    if case.installed:
        assert state.stable is not None and state.stable.version == "v1"
        assert world.end() == {"tracks": {"stable": "v1"}, "router": Routing()}
        assert state.history == []
    else:
        assert state.stable is None
        assert world.end() == {"tracks": {}, "router": None}
        assert [(h["version"], h["outcome"]) for h in state.history] == [("v1", "refused")]
    assert (state.deploy, state.weight, state.mirror) == (None, 0, None)


@pytest.mark.parametrize("strategy", ["basic", "shadow", "canary"])
def test_deploying_the_stable_release_again_changes_nothing(state_root, strategy: str) -> None:
    world = World()
    driver = Driver(world, state_root, stage_plan(strategy))
    driver.deploy("v1")
    before = len(world.ops)
    report = driver.deploy("v1")
    assert (report.outcome, report.exit_code, world.ops[before:]) == ("unchanged", 0, [])
    assert world.end() == {"tracks": {"stable": "v1"}, "router": Routing()}
