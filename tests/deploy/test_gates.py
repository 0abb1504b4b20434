"""Gates: thresholds, ratios against stable, and the fail-safe rule for too few requests."""

from __future__ import annotations

import typing

import pytest

from generator.deploy.gates import Observation, TrackStats, Verdict, judge, percentile
from generator.deploy.strategies import STRATEGIES
from generator.deploy.targets import TARGETS
from generator.deploy.targets.local.runtimes import RUNTIMES
from generator.spec.model import DeployGates, RuntimeName, StrategyName, TargetName


def gates(**values) -> DeployGates:
    return DeployGates.model_validate({k.replace("_", "-"): v for k, v in values.items()})


def stats(requests=100, errors=0, p50=10.0, p95=20.0, p99=30.0) -> TrackStats:
    return TrackStats(requests, errors, p50, p95, p99)


def test_the_spec_allows_exactly_the_registered_strategies_targets_and_runtimes():
    assert set(typing.get_args(StrategyName)) == set(STRATEGIES)
    assert set(typing.get_args(TargetName)) == set(TARGETS)
    assert set(typing.get_args(RuntimeName)) == set(RUNTIMES)


def test_a_healthy_candidate_passes_the_default_gates():
    judgement = judge(DeployGates(), Observation(stats(), stats()))
    assert judgement.verdict is Verdict.PASS
    assert [r.gate for r in judgement.results] == ["error-rate", "latency-p99-vs-stable"]


def test_errors_over_the_threshold_fail_with_the_value_in_the_reason():
    judgement = judge(DeployGates(), Observation(stats(errors=5), stats()))
    assert judgement.verdict is Verdict.FAIL
    assert "error-rate 0.050 is not <= 0.01" in judgement.reason


def test_too_few_requests_is_inconclusive_and_says_why():
    judgement = judge(gates(min_requests=50), Observation(stats(requests=12), stats()))
    assert judgement.verdict is Verdict.INCONCLUSIVE and not judgement.passed
    assert "only 12 requests (min-requests 50)" in judgement.reason


def test_ratios_compare_with_stable_and_are_skipped_without_it():
    slow = Observation(stats(p99=90.0), stats(p99=30.0))
    assert judge(DeployGates(), slow).verdict is Verdict.FAIL
    alone = judge(DeployGates(), Observation(stats(p99=90.0)))
    assert alone.passed and alone.results[1].verdict is Verdict.SKIP


def test_error_ratio_against_a_stable_with_no_errors():
    rule = gates(error_rate=None, latency_p99_vs_stable=None, error_rate_vs_stable="<= 2")
    assert judge(rule, Observation(stats(errors=0), stats(errors=0))).passed
    assert judge(rule, Observation(stats(errors=1), stats(errors=0))).verdict is Verdict.FAIL


@pytest.mark.parametrize(("share", "verdict"), [(0.97, Verdict.PASS), (0.5, Verdict.FAIL)])
def test_agreement(share, verdict):
    rule = gates(agreement=">= 0.95", min_requests=10)
    assert judge(rule, Observation(stats(), stats(), share, 40)).verdict is verdict


def test_agreement_on_too_few_pairs_is_inconclusive():
    rule = gates(agreement=">= 0.95", min_requests=10)
    judgement = judge(rule, Observation(stats(), stats(), 1.0, 3))
    assert judgement.verdict is Verdict.INCONCLUSIVE and "3 predictions compared" in judgement.reason


def test_absolute_latency_gates():
    rule = gates(latency_p50_ms="<= 15", latency_p95_ms="<= 25", latency_p99_ms="<= 25")
    judgement = judge(rule, Observation(stats(), stats()))
    assert [r.verdict for r in judgement.results][1:4] == [Verdict.PASS, Verdict.PASS, Verdict.FAIL]


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile([], 50)) == (50.0, 99.0, None)
    assert TrackStats.of([3.0, 1.0, 2.0], 1).p50 == 2.0
