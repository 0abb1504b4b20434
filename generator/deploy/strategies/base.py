"""The pieces every strategy is made of: a context, idempotent steps, a judging window, and restore.

A strategy is a list of steps. The driver runs them from the step the state records, saving the index
after each, so a rerun after a crash starts the step it was in again; every step only asks the target
for an end state ("weight 50", "candidate runs v2"), which is harmless to ask twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from generator.deploy.drift_gate import DriftSource
from generator.deploy.gates import Judgement, Observation, TrackStats, Verdict, judge
from generator.deploy.release import Release
from generator.deploy.report import Emit, Event, progress_line, step_record
from generator.deploy.state import InFlight, Session
from generator.deploy.targets.base import CANDIDATE, REPLAY, STABLE, USER, Target, TrackFailed, Traffic
from generator.deploy_plan import DeployPlan
from generator.spec.model import DeployGates


class Clock(Protocol):
    """Where judging windows read the time and wait: the `time` module, or a test's fake clock."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float, /) -> None: ...


@dataclass
class Context:
    """What steps work with; the deploy in flight (in the state) carries stable's last well-sampled
    stats between steps, so a resumed run compares with the same figures."""

    target: Target
    session: Session
    stage: DeployPlan
    release: Release
    emit: Emit
    health_timeout: float
    poll_seconds: float = 0.5
    until_requests: int | None = None
    drift: DriftSource | None = None  # the reference profile, when the stage gates on drift
    clock: Clock = field(default=time)
    resumed: bool = False  # this run continues a deploy an earlier run left in flight
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock.monotonic()

    @property
    def gates(self) -> DeployGates:
        return self.stage.gates

    @property
    def deploy(self) -> InFlight:
        flight = self.session.state.deploy
        assert flight is not None  # steps only run inside a deploy the driver recorded
        return flight

    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started

    def say(self, message: str) -> None:
        self.emit(Event(message))


class StepFailed(Exception):
    """A step's gates failed (or were inconclusive): roll back, with this reason."""


class Step(Protocol):
    name: str

    def run(self, ctx: Context) -> None:
        """Do the step; raise StepFailed or TrackFailed to roll back."""


class Strategy(Protocol):
    name: str

    def steps(self, stage: DeployPlan) -> list[Step]:
        """The steps of this strategy for one stage's settings."""

    def success(self) -> str:
        """The outcome name when every step passed: promoted, or passed (shadow)."""


@dataclass
class StartCandidate:
    """Run the release on the candidate track (no user traffic yet) and wait until it is healthy."""

    name: str = "start candidate"

    def run(self, ctx: Context) -> None:
        ctx.target.set_mirror(None)
        ctx.target.set_weight(0)
        ctx.say(f"starting candidate {ctx.release.version} ({ctx.release.label})")
        ctx.target.start_track(CANDIDATE, ctx.release)
        ctx.target.wait_healthy(CANDIDATE, ctx.health_timeout)
        ctx.say(f"candidate {ctx.release.version} is healthy")


def candidate_runs(ctx: Context) -> None:
    """A judged step that a rerun resumes may find no candidate: the run before failed safe from memory
    (it stopped the candidate but could not record that) or the candidate died while no driver watched.
    Start it again, as the first step did, so the step is judged on the release it names. Within a run,
    a candidate that dies is a rollback reason, never restarted."""
    resumed, ctx.resumed = ctx.resumed, False
    if resumed and ctx.target.running(CANDIDATE) != ctx.release:
        ctx.say(f"the candidate track does not run {ctx.release.version}; starting it again")
        StartCandidate().run(ctx)


@dataclass
class Promote:
    """The candidate becomes stable; the candidate track is removed."""

    name: str = "promote"

    def run(self, ctx: Context) -> None:
        ctx.say(f"promoting {ctx.release.version}: stable restarts on it while the candidate serves")
        ctx.target.promote()
        ctx.say(f"{ctx.release.version} is stable; candidate track removed")


Observe = Callable[[Traffic], Observation]


def judge_window(
    ctx: Context, name: str, weight: int, seconds: float, observe: Observe, *, paired: bool = True
) -> Judgement:
    """Watch for `seconds` (or until enough requests), judging as data arrives; stop early on a failure
    with evidence or a dead candidate. Records the step for the report and returns the judgement.
    Without `paired` (no request reaches both tracks), an agreement gate is skipped, not inconclusive."""
    watch = ctx.target.watch()
    drift = ctx.drift.watch(ctx.target, ctx.gates) if ctx.drift is not None else None
    begun = ctx.clock.monotonic()
    restarts = 0
    while True:
        ctx.clock.sleep(ctx.poll_seconds)
        if ctx.target.running(CANDIDATE) is None:
            raise TrackFailed(f"{name}: the candidate track exited")
        problem = ctx.target.check_router()
        if problem is not None:
            restarts = _restore_router(ctx, name, problem, restarts)
            watch, begun = ctx.target.watch(), ctx.clock.monotonic()
            continue
        observation = observe(watch.poll())
        judgement = judge(ctx.gates, observation, agreement_possible=paired)
        if drift is not None:
            judgement = drift.judge(judgement)
        _timeline(ctx, weight, observation)
        ctx.session.save()  # the timeline is durable, and an unwritable state is noticed within a poll
        done = ctx.clock.monotonic() - begun >= seconds or _enough(ctx, observation)
        if done or _failed_early(judgement):
            break
    record = step_record(name, weight, ctx.clock.monotonic() - begun, observation, judgement, ctx.elapsed())
    ctx.deploy.steps.append(record)
    ctx.session.save()
    ctx.emit(Event(progress_line(record), step=record))
    return judgement


MAX_ROUTER_RESTORES = 2  # a router that keeps dying in one step is a failure, not noise


def _restore_router(ctx: Context, name: str, problem: str, restarts: int) -> int:
    """The router died (or serves another config) mid-window: what it routed is not what was recorded,
    so the window is void. Restore it with the recorded weights and start the window again."""
    if restarts >= MAX_ROUTER_RESTORES:
        raise StepFailed(f"{name}: the router failed {restarts + 1} times in one step ({problem})")
    ctx.say(f"{name}: {problem}; restoring the router with the recorded weights, restarting the window")
    ctx.target.restore_router()
    return restarts + 1


def _failed_early(judgement: Judgement) -> bool:
    """Errors and disagreement with enough evidence end a window at once; latency percentiles are judged
    on the whole window, so a cold start's first slow requests do not decide alone, and so is drift,
    whose PSI over a few rows is mostly sampling noise."""
    whole_window = ("latency", "drift", "prediction-drift")
    return any(r.verdict is Verdict.FAIL and not r.gate.startswith(whole_window) for r in judgement.results)


def _enough(ctx: Context, observation: Observation) -> bool:
    return ctx.until_requests is not None and observation.candidate.requests >= ctx.until_requests


def _timeline(ctx: Context, weight: int, observation: Observation) -> None:
    rate = observation.candidate.error_rate or 0.0
    ctx.deploy.timeline.append({"t": round(ctx.elapsed(), 2), "weight": weight, "error_rate": rate})


def require(judgement: Judgement, name: str) -> None:
    if not judgement.passed:
        raise StepFailed(f"{name}: {judgement.verdict.value}: {judgement.reason}")


def restore(ctx: Context) -> None:
    """Put the environment back to stable alone: no mirror, weight 0, stable running, candidate gone."""
    restore_stable(ctx.target, ctx.session.state.stable, ctx.say, ctx.health_timeout)


def restore_stable(
    target: Target, stable: Release | None, say: Callable[[str], None], timeout: float
) -> None:
    target.set_mirror(None)
    if stable is not None and target.running(STABLE) != stable:
        # Only after a promotion failed half-way: the candidate still serves while stable restarts.
        say(f"restarting stable {stable.version}")
        target.start_track(STABLE, stable)
        target.wait_healthy(STABLE, timeout)
    target.set_weight(0)
    target.stop_track(CANDIDATE)


BASELINE_LATENCIES = 2000  # the most recent latencies kept in the state as stable's baseline


def stable_for(ctx: Context, traffic: Traffic) -> tuple[TrackStats | None, tuple[str, ...]]:
    """Stable's stats for comparison, measured in this window where possible: its users' requests, else
    the copies of the candidate's requests replayed to it; only if neither is well sampled, the baseline
    recorded from an earlier step (in the state, so a resumed run uses the same)."""
    minimum = max(ctx.gates.min_requests, 1)
    users, copies = traffic.of(STABLE, USER), traffic.of(STABLE, REPLAY)
    if users.latency_sample >= minimum:
        _record_baseline(ctx, users)
        return users, ()
    if copies.latency_sample >= minimum:
        return copies, ("stable measured on copies of the candidate's requests in this window",)
    baseline = _baseline(ctx)
    if baseline is not None:
        return baseline, ("stable had too little traffic in this step; compared with its previous step",)
    return users, ()


def _record_baseline(ctx: Context, stable: TrackStats) -> None:
    kept = stable.latencies[-BASELINE_LATENCIES:]
    ctx.deploy.baseline = {**stable.summary(), "latencies": [round(v, 3) for v in kept]}


def _baseline(ctx: Context) -> TrackStats | None:
    recorded = ctx.deploy.baseline
    if recorded is None:
        return None
    figures = {k: v for k, v in recorded.items() if k != "latencies"}
    return TrackStats(**figures, latencies=tuple(recorded.get("latencies", ())))
