"""A second, independent implementation of the drift figures in plain Python (no numpy, no scipy),
written from the textbook definitions, to check generator.monitor's figures against."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

EPS = 1e-4  # the same floor for empty shares (PSI is undefined without one)


def nearest_rank(ordered: Sequence[float], p: float) -> float:
    """The smallest value whose empirical CDF reaches p (the 'inverted CDF' quantile)."""
    return ordered[max(1, math.ceil(round(p * len(ordered), 9))) - 1]


def decile_edges(values: Sequence[float]) -> list[float]:
    ordered = sorted(values)
    return sorted({nearest_rank(ordered, k / 10) for k in range(1, 10)})


def shares(values: Sequence[float], edges: Sequence[float]) -> list[float]:
    counts = [0] * (len(edges) + 1)
    for v in values:
        counts[bisect.bisect_left(edges, v)] += 1  # bins closed on the right
    return [c / len(values) for c in counts]


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, EPS), max(a, EPS)
        total += (a - e) * math.log(a / e)
    return total


def ks_statistic(a: Sequence[float], b: Sequence[float]) -> float:
    """Largest gap between the two empirical CDFs, evaluated at every observed value."""
    sa, sb = sorted(a), sorted(b)
    gap = 0.0
    for x in sorted(set(sa) | set(sb)):
        fa = bisect.bisect_right(sa, x) / len(sa)
        fb = bisect.bisect_right(sb, x) / len(sb)
        gap = max(gap, abs(fa - fb))
    return gap


def chi_squared(expected: Sequence[float], counts: Sequence[int]) -> tuple[float, float]:
    """Pearson's statistic against floored, renormalised shares, and its p-value (k-1 dof)."""
    floored = [max(e, EPS) for e in expected]
    n = sum(counts)
    f_exp = [e / sum(floored) * n for e in floored]
    statistic = sum((o - e) ** 2 / e for o, e in zip(counts, f_exp, strict=True))
    return statistic, 1 - _lower_gamma_regularised((len(counts) - 1) / 2, statistic / 2)


def _lower_gamma_regularised(a: float, x: float) -> float:
    """P(a, x) by its power series (Numerical Recipes 6.2), fine for the moderate x used here."""
    if x <= 0:
        return 0.0
    if x > a + 40 * math.sqrt(a) + 100:
        return 1.0  # the upper tail is far below 1e-15 (and the series would overflow)
    term = total = 1 / a
    k = a
    while abs(term) > abs(total) * 1e-15:
        k += 1
        term *= x / k
        total += term
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))
