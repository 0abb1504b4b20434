"""Two-sample tests that tell a real regression from noise, small enough to read and test (no scipy).

Both tests are one-sided with a tolerance band: "is the candidate worse than `tolerance` times stable?",
so a gate `latency-p99-vs-stable: <= 1.5` fails only when the candidate is shown to be slower than 1.5x
stable, not when a percentile of a few dozen requests happens to land above it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TestResult:
    """A one-sided test's statistic and p-value (small p: the candidate is worse beyond the tolerance)."""

    statistic: float
    z: float
    p_value: float


def normal_upper_tail(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def average_ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """1-based ranks of `values` (ties share their average rank) and the sizes of the tie groups."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        if end > start:
            ties.append(end - start + 1)
        start = end + 1
    return ranks, ties


def mann_whitney_greater(candidate: Sequence[float], stable: Sequence[float]) -> TestResult:
    """Mann-Whitney U test that `candidate` tends to be greater than `stable` (normal approximation with
    tie and continuity correction). U counts the pairs (c, s) with c > s, ties counting one half."""
    n1, n2 = len(candidate), len(stable)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranks, ties = average_ranks([*candidate, *stable])
    u = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    tie_term = sum(t**3 - t for t in ties) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:  # every value equal: no evidence either way
        return TestResult(u, 0.0, 0.5)
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return TestResult(u, z, normal_upper_tail(z))


def latency_worse(
    candidate: Sequence[float], stable: Sequence[float], tolerance: float, slack: float = 0.0
) -> TestResult:
    """Is the candidate slower than `tolerance` x stable + `slack`? Mann-Whitney U against stable scaled
    and shifted (the slack absorbs the clock's resolution, where "1 ms vs 0 ms" is no evidence)."""
    return mann_whitney_greater(candidate, [tolerance * value + slack for value in stable])


def rate_worse(candidate: tuple[int, int], stable: tuple[int, int], tolerance: float) -> TestResult:
    """Is the candidate's failure share above `tolerance` x stable's? Each sample is (failures, trials).
    A z-test with the Agresti-Caffo adjustment (one failure and one success added to each side), which
    stays sound for zero failures and small samples."""
    (x1, n1), (x2, n2) = candidate, stable
    p1, p2 = (x1 + 1) / (n1 + 2), (x2 + 1) / (n2 + 2)
    bound = tolerance * p2
    spread = math.sqrt(p1 * (1 - p1) / (n1 + 2) + tolerance**2 * p2 * (1 - p2) / (n2 + 2))
    z = (p1 - bound) / spread
    return TestResult(p1 - bound, z, normal_upper_tail(z))
