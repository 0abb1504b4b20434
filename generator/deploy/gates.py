"""Deploy gates: the candidate's traffic numbers against thresholds and against stable's.

Too few requests is "inconclusive", which fails safe: a deploy is never promoted on no evidence. A ratio
against stable fails only when the candidate is shown to be worse than the threshold allows: where the raw
samples are known, a one-sided test (Mann-Whitney U for latency, a two-proportion test for errors) with the
threshold as tolerance band must agree at significance ALPHA, so a percentile of a few dozen requests that
lands above the threshold by chance does not roll a healthy candidate back. An error-rate gate spends its
budget early: enough failed requests to fail it whatever follows end the step at once.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from generator.deploy import stats
from generator.spec.model import DeployGates

ALPHA = 0.01  # one-sided significance a ratio gate needs before it fails
FAIL_FAST_ERRORS = 3  # the fewest failed requests that end a step before min-requests
# Latencies come from nginx's $request_time, to the millisecond: a candidate one tick slower than the
# tolerance allows is not shown slower (a 1 ms service reads as 0 or 1 ms, a 50 % jump by rounding).
RESOLUTION_MS = 1.0

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
    # The latencies themselves where the target knows them (the local target's router logs), for tests.
    latencies: tuple[float, ...] = field(default=(), repr=False, compare=False)

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @classmethod
    def of(cls, latencies_ms: Sequence[float], errors: int) -> TrackStats:
        ordered = sorted(latencies_ms)
        p50, p95, p99 = (percentile(ordered, q) for q in (50, 95, 99))
        return cls(len(ordered), errors, p50, p95, p99, tuple(ordered))

    def summary(self) -> dict[str, float | int | None]:
        """The figures without the raw latencies (what reports show)."""
        return {k: getattr(self, k) for k in ("requests", "errors", "p50", "p95", "p99")}

    @property
    def latency_sample(self) -> int:
        """How many latencies the percentiles come from (answered requests; all requests if unknown)."""
        return len(self.latencies) or self.requests

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
    offered: int = 0  # shadow: copies offered to the candidate
    shed: int = 0  # shadow: copies the candidate could not take (its queue was full)


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
    return _Metric(f"latency-p{q}-ms", lambda o: o.candidate.percentile(q), sample=_latency_sample)


def _latency_sample(o: Observation) -> int:
    return o.candidate.latency_sample


def _latency_vs(q: int) -> _Metric:
    def value(o: Observation) -> float | None:
        return _ratio(o.candidate.percentile(q), o.stable.percentile(q) if o.stable else None)

    return _Metric(f"latency-p{q}-vs-stable", value, needs_stable=True, sample=_latency_sample)


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
    shed = _shed(observation, gates.min_requests)
    return overall((*results, *([shed] if shed else [])))


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
        if metric.gate == "error-rate" and budget_spent(expression, o.candidate, minimum):
            return _budget_result(expression, o.candidate, minimum)
        what = "predictions compared" if metric.gate == "agreement" else "requests"
        return GateResult(
            metric.gate,
            expression,
            None,
            Verdict.INCONCLUSIVE,
            f"only {sample} {what} (min-requests {minimum})",
        )
    if metric.needs_stable and o.stable is not None:
        stable_sample = metric.sample(Observation(o.stable))
        if stable_sample < max(minimum, 1):
            reason = f"only {stable_sample} stable requests (min-requests {minimum})"
            return GateResult(metric.gate, expression, None, Verdict.INCONCLUSIVE, reason)
    result = compare(metric.gate, expression, metric.value(o))
    return _tested(result, o) if metric.needs_stable else result


def budget_spent(expression: str, candidate: TrackStats, minimum: int) -> bool:
    """Whether the failed requests already fail an error-rate gate at min-requests whatever follows
    (and are at least FAIL_FAST_ERRORS, so one unlucky request does not end a step)."""
    op, threshold = expression.split(" ", 1)
    if op not in ("<=", "<"):
        return False
    allowed = float(threshold) * max(candidate.requests, minimum)
    return candidate.errors >= FAIL_FAST_ERRORS and not _OPS[op](candidate.errors, allowed)


def _budget_result(expression: str, candidate: TrackStats, minimum: int) -> GateResult:
    reason = (
        f"error budget spent: {candidate.errors} of {candidate.requests} requests failed, more than "
        f"{expression} allows even at min-requests {minimum}"
    )
    return GateResult("error-rate", expression, candidate.error_rate, Verdict.FAIL, reason)


def _tested(result: GateResult, o: Observation) -> GateResult:
    """A ratio against stable is decided by a one-sided test with the threshold as tolerance band where
    the raw samples are known: the candidate fails when it is shown worse than threshold x stable, not
    when a percentile of a small sample lands over it by chance. Without raw samples (metrics from
    Prometheus) the ratio alone decides."""
    assert o.stable is not None
    op, threshold = result.expression.split(" ", 1)
    test = _test(result.gate, o.candidate, o.stable, float(threshold)) if op in ("<=", "<") else None
    if test is None or result.value is None:
        return result
    name, outcome = test
    evidence = f"{name} p={outcome.p_value:.3g}"
    if outcome.p_value < ALPHA:
        value = format_value(result.gate, result.value)
        shown = f"{result.gate} {value}: the candidate is worse than {threshold}x stable ({evidence})"
        return replace(result, verdict=Verdict.FAIL, reason=shown)
    if result.verdict is Verdict.FAIL:
        why = f"over {threshold} by chance, not significantly ({evidence}, needs < {ALPHA})"
        return replace(result, verdict=Verdict.PASS, reason=why)
    return result


def _test(
    gate: str, candidate: TrackStats, stable: TrackStats, tolerance: float
) -> tuple[str, stats.TestResult] | None:
    if gate.startswith("latency"):
        if not (candidate.latencies and stable.latencies):
            return None
        test = stats.latency_worse(candidate.latencies, stable.latencies, tolerance, RESOLUTION_MS)
        return "Mann-Whitney U", test
    counts = (candidate.errors, candidate.requests), (stable.errors, stable.requests)
    return "two-proportion test", stats.rate_worse(*counts, tolerance)


def _shed(o: Observation, minimum: int) -> GateResult | None:
    """A shadow candidate that could not take most of the copies offered is too slow, not inconclusive."""
    if o.offered < max(minimum, 1) or o.shed * 2 <= o.offered:
        return None
    share = o.shed / o.offered
    reason = f"the candidate could not take {o.shed} of {o.offered} copies (too slow to keep up)"
    return GateResult("shed", "<= 0.5", share, Verdict.FAIL, reason)


def compare(gate: str, expression: str, value: float | None) -> GateResult:
    """One measured value against its gate expression (`"<= 0.2"`); no value is inconclusive."""
    if value is None:
        return GateResult(gate, expression, None, Verdict.INCONCLUSIVE, "no value measured")
    op, threshold = expression.split(" ", 1)
    ok = _OPS[op](value, float(threshold))
    reason = "" if ok else f"{gate} {format_value(gate, value)} is not {expression}"
    return GateResult(gate, expression, value, Verdict.PASS if ok else Verdict.FAIL, reason)


def overall(results: tuple[GateResult, ...], otherwise: Verdict = Verdict.PASS) -> Judgement:
    """Any failed gate fails the window, then any inconclusive one (failing safe); else `otherwise`."""
    for verdict in (Verdict.FAIL, Verdict.INCONCLUSIVE):
        hits = [r for r in results if r.verdict is verdict]
        if hits:
            return Judgement(results, verdict, "; ".join(f"{r.gate}: {r.reason}" for r in hits))
    return Judgement(results, otherwise)


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
