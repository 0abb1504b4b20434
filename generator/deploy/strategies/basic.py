"""basic: the new version replaces stable for all users, is verified for a window, and is kept or undone.

The candidate starts beside stable and takes all traffic at once (stable stays up, idle); if it fails
verification, traffic goes straight back to the old version, which never stopped.
"""

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
)
from generator.deploy.targets.base import CANDIDATE, USER, Traffic
from generator.deploy_plan import BasicPlan, DeployPlan


@dataclass
class Verify:
    seconds: float
    name: str = "verify"

    def run(self, ctx: Context) -> None:
        candidate_runs(ctx)
        ctx.target.set_weight(100)
        ctx.say(f"all traffic on {ctx.release.version}; verifying for {self.seconds:.0f} s")
        # Every user is on the candidate: no request is answered by both, so nothing to pair.
        judgement = judge_window(ctx, self.name, 100, self.seconds, _observe, paired=False)
        require(judgement, self.name)


def _observe(traffic: Traffic) -> Observation:
    return Observation(candidate=traffic.of(CANDIDATE, USER))


class BasicStrategy:
    name = "basic"

    def steps(self, stage: DeployPlan) -> list[Step]:
        settings = stage.settings
        assert isinstance(settings, BasicPlan)  # the plan resolves the settings of the stage's strategy
        return [StartCandidate(), Verify(settings.verify), Promote()]

    def success(self) -> str:
        return "promoted"
