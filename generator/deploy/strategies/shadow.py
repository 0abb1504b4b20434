"""shadow: the candidate runs beside stable and gets a copy of live requests; users only ever get
stable's answers. The candidate is judged (errors, latency, agreement with stable on the same request
ids) and always removed; stable never changes."""

from __future__ import annotations

from dataclasses import dataclass

from generator.deploy.gates import Observation
from generator.deploy.strategies.base import (
    Context,
    StartCandidate,
    Step,
    candidate_runs,
    judge_window,
    require,
)
from generator.deploy.targets.base import CANDIDATE, REPLAY, STABLE, USER, Traffic
from generator.deploy_plan import DeployPlan, ShadowPlan


@dataclass
class Mirror:
    seconds: float
    percent: int
    name: str = "shadow"

    def run(self, ctx: Context) -> None:
        candidate_runs(ctx)
        ctx.target.set_weight(0)
        ctx.target.set_mirror(CANDIDATE, self.percent)
        ctx.say(f"mirroring {self.percent}% of requests to {ctx.release.version} for {self.seconds:.0f} s")
        try:
            judgement = judge_window(ctx, self.name, 0, self.seconds, _observe)
        finally:
            ctx.target.set_mirror(None)
        require(judgement, self.name)


def _observe(traffic: Traffic) -> Observation:
    return Observation(
        candidate=traffic.of(CANDIDATE, REPLAY),
        stable=traffic.of(STABLE, USER),
        agreement=traffic.agreement,
        compared=traffic.compared,
        offered=traffic.offered,
        shed=traffic.shed,
    )


@dataclass
class RemoveCandidate:
    name: str = "remove candidate"

    def run(self, ctx: Context) -> None:
        ctx.target.stop_track(CANDIDATE)
        ctx.say("shadow candidate removed; stable unchanged")


class ShadowStrategy:
    name = "shadow"

    def steps(self, stage: DeployPlan) -> list[Step]:
        settings = stage.settings
        assert isinstance(settings, ShadowPlan)  # the plan resolves the settings of the stage's strategy
        return [StartCandidate(), Mirror(settings.duration, settings.mirror_percent), RemoveCandidate()]

    def success(self) -> str:
        return "passed"
