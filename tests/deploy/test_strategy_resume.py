"""A deploy interrupted at any change converges, when rerun, to the end an uninterrupted deploy reaches.

For every scenario (strategy and candidate behaviour) the uninterrupted deploy of v2 over v1 is run
first; it makes N changes (target operations and state saves). Then, for every k in 1..N, a fresh world
is interrupted at change k, in one of four ways, and the same stage is rerun with the same state folder:

- killed: the driver dies (nothing it does afterwards reaches the world or the disk, like SIGKILL);
- cancelled: a signal's KeyboardInterrupt, which the driver answers by rolling back;
- infrastructure error: a DeployError from the target or the store (exit 3 after a best-effort restore);
- disk full: an OSError from the state store (the driver fails safe from memory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.errors import DeployError
from tests.deploy.memory import Behaviour, Killed, Metrics, World
from tests.deploy.memory_run import Driver, stage_plan

GATES = {"min-requests": 50, "agreement": ">= 0.9"}


@dataclass(frozen=True)
class Scenario:
    strategy: str
    candidate: Behaviour
    outcome: str  # of the uninterrupted deploy
    first: bool = False  # v2 is the environment's first version (no v1 installed before it)
    gates: dict[str, Any] = field(default_factory=lambda: GATES)
    steps: tuple[int, ...] = (10, 50, 100)


SCENARIOS = {
    "basic promotes": Scenario("basic", Behaviour(), "promoted"),
    "basic rolls back": Scenario("basic", Behaviour(metrics=Metrics(error_rate=0.2)), "rolled back"),
    "basic: never healthy": Scenario("basic", Behaviour(healthy=False), "rolled back"),
    "shadow passes": Scenario("shadow", Behaviour(), "passed"),
    "shadow fails": Scenario("shadow", Behaviour(metrics=Metrics(agreement=0.5)), "failed"),
    "shadow: exits": Scenario("shadow", Behaviour(exits_at=0), "failed"),
    "canary promotes": Scenario("canary", Behaviour(), "promoted"),
    "canary fails at its last step": Scenario(
        "canary", Behaviour(at_weight={100: Metrics(latency_ms=300)}), "rolled back"
    ),
    "canary: exits at 50%": Scenario("canary", Behaviour(exits_at=50), "rolled back"),
    # at 89% stable's users are too few: its latency comes from the baseline the state kept at 20%
    "canary compared with stable's previous step": Scenario(
        "canary", Behaviour(), "promoted", gates={"min-requests": 80}, steps=(20, 89)
    ),
    "canary slower than stable's previous step": Scenario(
        "canary",
        Behaviour(at_weight={89: Metrics(latency_ms=60)}),
        "rolled back",
        gates={"min-requests": 80},
        steps=(20, 89),
    ),
    "first version installed": Scenario("canary", Behaviour(), "installed", first=True),
    "first version refused": Scenario("canary", Behaviour(healthy=False), "refused", first=True),
}

INTERRUPTIONS: dict[str, Any] = {
    "killed": None,
    "cancelled": KeyboardInterrupt,
    "infrastructure error": lambda: DeployError("injected: the target's API went away"),
    "disk full": lambda: OSError(28, "No space left on device"),
}


def installed(folder: Path, scenario: Scenario) -> Driver:
    world = World(behaviours={"v2": scenario.candidate})
    driver = Driver(world, folder, stage_plan(scenario.strategy, scenario.gates, steps=scenario.steps))
    if not scenario.first:
        assert driver.deploy("v1").outcome == "installed"
    return driver


def end(driver: Driver) -> dict[str, Any]:
    """Everything a deploy leaves: the world, and the state (stable, nothing in flight, the last outcome)."""
    state = driver.state()
    last = state.history[-1] if state.history else {}  # an installed first version is not in history
    return {
        **driver.world.end(),
        "stable": state.stable.version if state.stable else None,
        "in flight": state.deploy,
        "routing": (state.weight, state.mirror),
        "last": (last.get("version"), last.get("outcome")),
    }


def interrupted(folder: Path, scenario: Scenario, how: str, k: int) -> tuple[Driver, str]:
    """Deploy v2 over v1, interrupted at the k-th change of the v2 deploy; say how the run ended."""
    driver = installed(folder, scenario)
    world = driver.world
    fault = INTERRUPTIONS[how]
    if fault is None:
        world.kill_at = world.changes + k
    else:
        world.fail_at = (world.changes + k, fault())
    try:
        report = driver.deploy("v2")
    except (Killed, KeyboardInterrupt, DeployError) as stopped:
        return driver, type(stopped).__name__
    return driver, report.outcome


@pytest.mark.parametrize("how", list(INTERRUPTIONS))
@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_a_rerun_converges_after_an_interruption_at_every_change(
    state_root: Path, scenario: Scenario, how: str
) -> None:
    whole = installed(state_root / "whole", scenario)
    before = whole.world.changes
    assert whole.deploy("v2").outcome == scenario.outcome
    expected, changes = end(whole), whole.world.trail[before:]
    # A full disk shows when the state is saved; the other interruptions can come at any change.
    points = [k for k, what in enumerate(changes, 1) if how != "disk full" or what == "save"]
    assert points
    diverged = []
    for k in points:
        driver, first = interrupted(state_root / str(k), scenario, how, k)
        driver.world.revive()
        report = driver.deploy("v2")
        # A rerun after the deploy had finished finds v2 stable already: nothing to do.
        outcomes = {
            scenario.outcome,
            *(["unchanged"] if scenario.outcome in ("promoted", "installed") else []),
        }
        if end(driver) != expected or report.outcome not in outcomes:
            diverged.append(f"k={k} ({first}): rerun {report.outcome}: {end(driver)}")
    assert not diverged, f"expected {expected}:\n" + "\n".join(diverged)


SETTLED = ["basic promotes", "shadow passes", "canary promotes", "canary fails at its last step"]


@pytest.mark.parametrize("name", SETTLED)
def test_a_deploy_of_another_version_settles_a_killed_one_first(state_root: Path, name: str) -> None:
    """v2's deploy is killed at change k; v3 is deployed next: v2 is rolled back (or its promotion, if
    it had begun, finished), then v3 deploys and ends as it does with no v2 before it."""
    scenario = SCENARIOS[name]
    reference = installed(state_root / "reference", scenario)
    outcome = reference.deploy("v3").outcome
    expected = end(reference)
    whole = installed(state_root / "whole", scenario)
    before = whole.world.changes
    whole.deploy("v2")
    diverged = []
    for k in range(1, whole.world.changes - before + 1):
        driver, _ = interrupted(state_root / str(k), scenario, "killed", k)
        driver.world.revive()
        report = driver.deploy("v3")
        settled = [h["outcome"] for h in driver.state().history if h["version"] == "v2"]
        if (
            end(driver) != expected
            or report.outcome != outcome
            or settled not in ([], ["rolled back"], ["promoted"])
        ):
            diverged.append(f"k={k}: {report.outcome}, v2 {settled}: {end(driver)}")
    assert not diverged, f"expected {expected}:\n" + "\n".join(diverged)


@pytest.mark.parametrize("name", ["basic promotes", "canary promotes"])
def test_a_promotion_finished_by_the_next_deploy_is_recorded_as_stable(state_root: Path, name: str) -> None:
    """v2's deploy is killed at change k, then v3 (which fails) is deployed: whatever v2's deploy became
    (rolled back, or promoted if it had begun promoting), the state's stable is what the stable track
    runs, and v3's failure puts users back on it."""
    scenario = SCENARIOS[name]
    whole = installed(state_root / "whole", scenario)
    before = whole.world.changes
    whole.deploy("v2")
    wrong = []
    for k in range(1, whole.world.changes - before + 1):
        driver, _ = interrupted(state_root / str(k), scenario, "killed", k)
        driver.world.revive()
        driver.world.behaviours["v3"] = Behaviour(metrics=Metrics(error_rate=0.5))
        assert driver.deploy("v3").outcome == "rolled back"
        v2 = [h["outcome"] for h in driver.state().history if h["version"] == "v2"]
        kept = "v2" if v2 == ["promoted"] else "v1"
        stable = driver.state().stable
        if driver.world.end()["tracks"] != {"stable": kept} or stable is None or stable.version != kept:
            wrong.append(f"k={k}: v2 {v2}, state's stable {stable}, world {driver.world.end()}")
    assert not wrong, "\n".join(wrong)
