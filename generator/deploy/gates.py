"""Deploy gates: the candidate's traffic numbers against thresholds and against stable's.

Too few requests is "inconclusive", which fails safe: a deploy is never promoted on no evidence.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from generator.spec.model import DeployGates

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class TrackStats:
    """Requests one track answered in a window: how many, how many failed, latency percentiles in ms."""

    requests: int = 0
    errors: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @classmethod
    def of(cls, latencies_ms: Sequence[float], errors: int) -> TrackStats:
        ordered = sorted(latencies_ms)
        return cls(len(ordered), errors, *(percentile(ordered, q) for q in (50, 95, 99)))

    def percentile(self, q: int) -> float | None:
        return {50: self.p50, 95: self.p95, 99: self.p99}[q]


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted values (None for no values)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Observation:
    """What one judging window saw. `stable` is None where there is nothing to compare with."""

    candidate: TrackStats
    stable: TrackStats | None = None
    agreement: float | None = None
    compared: int = 0  # predictions joined by request id
    notes: tuple[str, ...] = ()


class Verdict(str, Enum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    SKIP = "skip"


@dataclass(frozen=True)
class GateResult:
    gate: str
    expression: str
    value: float | None
    verdict: Verdict
    reason: str = ""


@dataclass(frozen=True)
class Judgement:
    results: tuple[GateResult, ...]
    verdict: Verdict
    reason: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def failed(self) -> bool:
        """Failed on evidence (not merely inconclusive): safe to stop early."""
        return self.verdict is Verdict.FAIL


@dataclass(frozen=True)
class _Metric:
    gate: str
    value: Callable[[Observation], float | None]
    needs_stable: bool = False
    sample: Callable[[Observation], int] = field(default=lambda o: o.candidate.requests)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return None
    if b == 0:
        return 1.0 if a == 0 else math.inf
    return a / b


def _latency(q: int) -> _Metric:
    return _Metric(f"latency-p{q}-ms", lambda o: o.candidate.percentile(q))


def _latency_vs(q: int) -> _Metric:
    def value(o: Observation) -> float | None:
        return _ratio(o.candidate.percentile(q), o.stable.percentile(q) if o.stable else None)

    return _Metric(f"latency-p{q}-vs-stable", value, needs_stable=True)


def _error_rate_vs(o: Observation) -> float | None:
    return _ratio(o.candidate.error_rate, o.stable.error_rate if o.stable else None)


METRICS: dict[str, _Metric] = {
    "error_rate": _Metric("error-rate", lambda o: o.candidate.error_rate),
    "error_rate_vs_stable": _Metric("error-rate-vs-stable", _error_rate_vs, needs_stable=True),
    **{f"latency_p{q}_ms": _latency(q) for q in (50, 95, 99)},
    **{f"latency_p{q}_vs_stable": _latency_vs(q) for q in (50, 95, 99)},
    "agreement": _Metric("agreement", lambda o: o.agreement, sample=lambda o: o.compared),
}


def judge(gates: DeployGates, observation: Observation, *, agreement_possible: bool = True) -> Judgement:
    """Judge every configured gate; any failure fails, then any inconclusive gate fails safe."""
    results = []
    for attribute, metric in METRICS.items():
        expression = getattr(gates, attribute)
        if expression is not None:
            results.append(
                _judge_one(metric, expression, observation, gates.min_requests, agreement_possible)
            )
    return _overall(tuple(results))


def _judge_one(
    metric: _Metric, expression: str, o: Observation, minimum: int, agreement_possible: bool
) -> GateResult:
    if metric.needs_stable and o.stable is None:
        return GateResult(metric.gate, expression, None, Verdict.SKIP, "no stable traffic to compare with")
    if metric.gate == "agreement" and not agreement_possible:
        return GateResult(
            metric.gate, expression, None, Verdict.SKIP, "no paired predictions in this strategy"
        )
    sample = metric.sample(o)
    if sample < max(minimum, 1):
        what = "predictions compared" if metric.gate == "agreement" else "requests"
        return GateResult(
            metric.gate,
            expression,
            None,
            Verdict.INCONCLUSIVE,
            f"only {sample} {what} (min-requests {minimum})",
        )
    if metric.needs_stable and o.stable is not None and o.stable.requests < max(minimum, 1):
        reason = f"only {o.stable.requests} stable requests (min-requests {minimum})"
        return GateResult(metric.gate, expression, None, Verdict.INCONCLUSIVE, reason)
    return _compare(metric.gate, expression, metric.value(o))


def _compare(gate: str, expression: str, value: float | None) -> GateResult:
    if value is None:
        return GateResult(gate, expression, None, Verdict.INCONCLUSIVE, "no value measured")
    op, threshold = expression.split(" ", 1)
    ok = _OPS[op](value, float(threshold))
    reason = "" if ok else f"{gate} {format_value(gate, value)} is not {expression}"
    return GateResult(gate, expression, value, Verdict.PASS if ok else Verdict.FAIL, reason)


def _overall(results: tuple[GateResult, ...]) -> Judgement:
    for verdict in (Verdict.FAIL, Verdict.INCONCLUSIVE):
        hits = [r for r in results if r.verdict is verdict]
        if hits:
            return Judgement(results, verdict, "; ".join(f"{r.gate}: {r.reason}" for r in hits))
    return Judgement(results, Verdict.PASS)


def format_value(gate: str, value: float | None) -> str:
    """A gate value as a person reads it: ms for latencies, ratios with an x, shares as they are."""
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf"
    if gate.endswith("-ms"):
        return f"{value:.1f} ms"
    if gate.endswith("-vs-stable"):
        return f"{value:.2f}x"
    return f"{value:.3f}"
