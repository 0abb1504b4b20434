"""The drift gates, `drift` and `prediction-drift`: a gate kind of its own beside the traffic gates.

The candidate's prediction log lines of the judging window (the inputs it saw and what it predicted) are
compared with the reference profile of the model it runs: `drift` is the largest input-feature PSI,
`prediction-drift` the PSI of the predictions. Fewer logged rows than min-requests (or the monitor's
min-rows, whichever is larger) is inconclusive. PSI over ten bins of n rows carries sampling noise of
about 9/n, so drift is judged on the whole window, never ending it early on a few rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.deploy.gates import GateResult, Judgement, Verdict, compare, overall
from generator.deploy.release import Release
from generator.deploy.targets.base import CANDIDATE, Target
from generator.errors import UsageError

if TYPE_CHECKING:
    from generator.deploy.targets import Environment
    from generator.monitor.drift import DriftReport
    from generator.monitor.profile import Profile
    from generator.spec.model import DeployGates
    from generator.spec.monitor import Thresholds

Reader = Callable[[], list[str]]  # every candidate log line since the window opened


@dataclass(frozen=True)
class DriftSource:
    """What a stage's drift gates compare with, resolved before the deploy changes anything."""

    profile: Profile
    thresholds: Thresholds
    profile_path: Path

    def watch(self, target: Target, gates: DeployGates) -> DriftWatch:
        """Start reading the candidate's prediction log from now."""
        return DriftWatch(self, gates, target.log_reader(CANDIDATE))


def drift_source(environment: Environment, gates: DeployGates, release: Release | None) -> DriftSource | None:
    """The candidate's reference profile when the stage gates on drift (None when it does not)."""
    if gates.drift is None and gates.prediction_drift is None:
        return None
    from generator.monitor import profile as profiles
    from generator.monitor.source import profile_beside

    monitor = environment.spec.monitor
    if monitor is None:  # the spec validator requires it; kept for a spec built in code
        raise UsageError("drift gates need a monitor section in the spec (the reference profile)")
    path = profile_beside(release, monitor.profile) or environment.root / monitor.profile
    profile = profiles.load(path, str(path))
    return DriftSource(profile, monitor.thresholds, path)


@dataclass
class DriftWatch:
    source: DriftSource
    gates: DeployGates
    read: Reader

    def judge(self, judgement: Judgement) -> Judgement:
        """The traffic gates' judgement with the drift gates' results added."""
        from generator.monitor.drift import compare
        from generator.monitor.records import logged

        seen = logged(self.read(), self.source.profile.model_version)
        report = compare(self.source.profile, seen, self.source.thresholds)
        return combine(judgement, drift_results(self.gates, report))


def drift_results(gates: DeployGates, report: DriftReport) -> tuple[GateResult, ...]:
    pairs = (("drift", gates.drift, report.input_psi), ("prediction-drift", gates.prediction_drift, None))
    results = []
    for gate, expression, value in pairs:
        if expression is None:
            continue
        measured = report.prediction.psi if gate == "prediction-drift" else value
        minimum = max(gates.min_requests, report.thresholds.min_rows)
        results.append(_result(gate, expression, measured, report.rows, minimum))
    return tuple(results)


def _result(gate: str, expression: str, value: float | None, rows: int, minimum: int) -> GateResult:
    if rows < max(minimum, 1):
        reason = f"only {rows} logged predictions (at least {minimum}: min-requests, monitor min-rows)"
        return GateResult(gate, expression, None, Verdict.INCONCLUSIVE, reason)
    if value is None:
        return GateResult(gate, expression, None, Verdict.INCONCLUSIVE, "no logged inputs to measure")
    return compare(gate, expression, value)


def combine(judgement: Judgement, extra: tuple[GateResult, ...]) -> Judgement:
    """One judgement of both kinds: any failure fails, then any inconclusive gate fails safe."""
    return overall((*judgement.results, *extra), otherwise=judgement.verdict)
