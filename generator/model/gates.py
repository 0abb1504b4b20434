"""Model metric gates, absolute (`>= 0.90`) or relative to the champion (`>= champion - 0.01`), judged
with the deploy gates' own comparison (`compare`, `overall`)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from generator.deploy.gates import GateResult, Judgement, Verdict, compare, overall
from generator.spec.champion import is_relative

_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


@dataclass(frozen=True)
class Champion:
    """The model serving the champion stage: its version, its metrics and where they were read."""

    stage: str
    version: str
    metrics: Mapping[str, float]
    source: str


@dataclass(frozen=True)
class MetricRow:
    """One metric of the report: candidate, champion, delta, and the result of each of its gates."""

    metric: str
    candidate: float | None
    champion: float | None
    results: tuple[GateResult, ...]

    @property
    def delta(self) -> float | None:
        if self.candidate is None or self.champion is None:
            return None
        return self.candidate - self.champion


def threshold(gate: str, champion: float) -> float:
    """The number a champion-relative gate (`>= champion - 0.01`, normalised) compares with."""
    parts = gate.split(" ")
    if len(parts) == 2:
        return champion
    return _ARITH[parts[2]](champion, float(parts[3]))


def judge_gate(
    metric: str, gate: str, candidate: float | None, champion: Champion | None, first_release: str
) -> GateResult:
    """One gate: absolute gates compare as they are; relative ones against the champion's value."""
    if not is_relative(gate):
        return compare(metric, gate, candidate)
    if champion is None:
        return _no_champion(metric, gate, first_release)
    base = champion.metrics.get(metric)
    if base is None:
        reason = f"the champion ({champion.version}) has no '{metric}' metric to compare with"
        return GateResult(metric, gate, candidate, Verdict.INCONCLUSIVE, reason)
    op, bound = gate.split(" ")[0], threshold(gate, base)
    result = compare(metric, f"{op} {bound!r}", candidate)
    why = f"{metric} {result.value:.4g} is not {gate} (= {op} {bound:.4g})" if result.reason else ""
    return GateResult(
        metric, gate, result.value, result.verdict, why if result.value is not None else result.reason
    )


def _no_champion(metric: str, gate: str, first_release: str) -> GateResult:
    if first_release == "pass":
        why = "no champion yet (first release): passed with this note (champion.first-release: pass)"
        return GateResult(metric, gate, None, Verdict.SKIP, why)
    why = "no champion yet, and champion.first-release is fail"
    return GateResult(metric, gate, None, Verdict.FAIL, why)


def judge_metrics(
    gates: Mapping[str, Sequence[str]],
    candidate: Mapping[str, float],
    champion: Champion | None,
    first_release: str,
) -> tuple[tuple[MetricRow, ...], Judgement]:
    """Every metric of either model, in name order, with its gates judged; the overall judgement."""
    rows = []
    for metric in sorted({*candidate, *gates, *(champion.metrics if champion else {})}):
        value = candidate.get(metric)
        base = champion.metrics.get(metric) if champion else None
        results = tuple(judge_gate(metric, g, value, champion, first_release) for g in gates.get(metric, ()))
        rows.append(MetricRow(metric, value, base, results))
    return tuple(rows), overall(tuple(r for row in rows for r in row.results))


def numeric_metrics(data: object, where: str) -> dict[str, float]:
    """The flat name -> number mapping of a metrics file (other values are left out of the report)."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} is not a JSON object of metric name -> number")
    return {
        str(k): float(v)
        for k, v in data.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }
