"""The two-sample tests behind the ratio gates, against values worked out by hand (no scipy in the lock)."""

from __future__ import annotations

import math
import random

import pytest

from generator.deploy.stats import (
    average_ranks,
    latency_worse,
    mann_whitney_greater,
    normal_upper_tail,
    rate_worse,
)


def test_normal_tail_at_known_points():
    assert normal_upper_tail(0) == pytest.approx(0.5)
    assert normal_upper_tail(1.959964) == pytest.approx(0.025, abs=1e-6)
    assert normal_upper_tail(2.326348) == pytest.approx(0.01, abs=1e-6)


def test_ties_share_their_average_rank():
    assert average_ranks([1.0, 2.0, 2.0, 2.0, 3.0]) == ([1.0, 3.0, 3.0, 3.0, 5.0], [3])
    assert average_ranks([5.0, 1.0]) == ([2.0, 1.0], [])


def test_mann_whitney_without_ties_by_hand():
    # Ranks 3, 4, 5 for the candidate: U = 12 - 6 = 6, mean 3, variance 6/12 * 6 = 3.
    result = mann_whitney_greater([3, 4, 5], [1, 2])
    assert result.statistic == 6
    assert result.z == pytest.approx((6 - 3 - 0.5) / math.sqrt(3))
    assert result.p_value == pytest.approx(0.07445, abs=1e-4)


def test_mann_whitney_with_ties_by_hand():
    # Combined 1, 2, 2, 2, 3: ranks 1, 3, 3, 3, 5; U = 7 - 6 = 1; tie term (27 - 3) / 20 = 1.2,
    # variance 6/12 * (6 - 1.2) = 2.4; z = (1 - 3 - 0.5) / sqrt(2.4).
    result = mann_whitney_greater([1, 2, 2], [2, 3])
    assert result.statistic == 1
    assert result.z == pytest.approx(-2.5 / math.sqrt(2.4))
    assert result.p_value == pytest.approx(0.94670, abs=1e-4)


def test_u_counts_the_pairs_where_the_candidate_is_greater():
    rng = random.Random(7)
    for _ in range(20):
        a = [float(rng.randint(0, 9)) for _ in range(rng.randint(1, 15))]
        b = [float(rng.randint(0, 9)) for _ in range(rng.randint(1, 15))]
        pairs = sum((x > y) + 0.5 * (x == y) for x in a for y in b)
        assert mann_whitney_greater(a, b).statistic == pytest.approx(pairs)


def test_all_equal_is_no_evidence():
    assert mann_whitney_greater([1, 1], [1, 1, 1]).p_value == 0.5
    with pytest.raises(ValueError):
        mann_whitney_greater([], [1.0])


def test_the_tolerance_band_scales_stable():
    rng = random.Random(1)
    stable = [rng.lognormvariate(0, 0.3) for _ in range(500)]
    same = [rng.lognormvariate(0, 0.3) for _ in range(100)]
    double = [2 * rng.lognormvariate(0, 0.3) for _ in range(100)]
    assert latency_worse(same, stable, 1.5).p_value > 0.5
    assert latency_worse(double, stable, 1.5).p_value < 1e-6
    assert latency_worse(double, stable, 3.0).p_value > 0.5


def test_rate_worse_with_agresti_caffo():
    # p1 = 21/102, p2 = 1/102, bound = 2 * p2; spread from the adjusted shares.
    result = rate_worse((20, 100), (0, 100), 2.0)
    p1, p2 = 21 / 102, 1 / 102
    spread = math.sqrt(p1 * (1 - p1) / 102 + 4 * p2 * (1 - p2) / 102)
    assert result.z == pytest.approx((p1 - 2 * p2) / spread)
    assert result.p_value < 1e-4
    assert rate_worse((1, 100), (0, 100), 2.0).p_value == pytest.approx(0.5)


def test_the_slack_absorbs_the_clocks_resolution():
    # Millisecond ticks of a ~1 ms service: the candidate reads 1 ms where stable read 0 ms more often.
    stable = [0.0] * 70 + [1.0] * 30
    candidate = [0.0] * 30 + [1.0] * 70
    assert latency_worse(candidate, stable, 1.5).p_value < 0.01  # "slower than 1.5x" by rounding alone
    assert latency_worse(candidate, stable, 1.5, slack=1.0).p_value > 0.5
