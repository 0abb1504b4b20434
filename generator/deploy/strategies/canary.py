"""canary: the candidate gets a growing share of users, step by step, judged after every step against
thresholds and against stable; a failure sends its weight to 0 and stops it at once; after the last
step it is promoted. With an agreement gate, the requests it answers are also replayed to stable, so the
two models' predictions on the same requests can be compared."""

from __future__ import annotations

from dataclasses import dataclass

from generator.deploy.gates import Observation
from generator.deploy.strategies.base import (
    Context,
    Promote,
    StartCandidate,
    Step,
    candidate_runs,
    judge_window,
    require,
    stable_for,
)
from generator.deploy.targets.base import CANDIDATE, STABLE, USER, Traffic
from generator.deploy_plan import CanaryPlan, DeployPlan

MIRROR_FROM = 90  # from this weight on, stable's own users are too few to compare with


@dataclass
class Weight:
    percent: int
    seconds: float
    name: str

    def run(self, ctx: Context) -> None:
        candidate_runs(ctx)
        ctx.target.set_weight(self.percent)
        if ctx.gates.agreement is not None or self.percent >= MIRROR_FROM:
            # Copies of the candidate's requests to stable: predictions to compare, and near full weight
            # stable's latency measured in this same window (not under another step's load).
            ctx.target.set_mirror(STABLE, 100)
        ctx.say(f"{self.name}: {self.percent}% of users on {ctx.release.version} for {self.seconds:.0f} s")

        def observe(traffic: Traffic) -> Observation:
            stable, notes = stable_for(ctx, traffic)
            return Observation(
                traffic.of(CANDIDATE, USER), stable, traffic.agreement, traffic.compared, notes
            )

        try:
            judgement = judge_window(ctx, self.name, self.percent, self.seconds, observe)
        finally:
            ctx.target.set_mirror(None)
        require(judgement, self.name)


class CanaryStrategy:
    name = "canary"

    def steps(self, stage: DeployPlan) -> list[Step]:
        settings = stage.settings
        assert isinstance(settings, CanaryPlan)  # the plan resolves the settings of the stage's strategy
        count = len(settings.steps)
        weights: list[Step] = [
            Weight(p, settings.interval, f"canary {i}/{count}") for i, p in enumerate(settings.steps, 1)
        ]
        return [StartCandidate(), *weights, Promote()]

    def success(self) -> str:
        return "promoted"
