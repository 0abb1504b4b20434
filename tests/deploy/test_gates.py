"""Gates: thresholds, ratios against stable, and the fail-safe rule for too few requests."""

from __future__ import annotations

import random
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
    # One failed request in 100 is not evidence of a candidate twice as bad; twenty are.
    lucky = judge(rule, Observation(stats(errors=1), stats(errors=0)))
    assert lucky.passed and "not significantly" in lucky.results[0].reason
    bad = judge(rule, Observation(stats(errors=20), stats(errors=0)))
    assert bad.verdict is Verdict.FAIL and "two-proportion test p=" in bad.reason


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


def sampled(latencies, errors=0) -> TrackStats:
    return TrackStats.of(latencies, errors)


def test_a_p99_over_the_threshold_by_chance_passes_and_a_slower_candidate_fails():
    rng = random.Random(3)
    stable = sampled([rng.lognormvariate(3, 0.4) for _ in range(1000)])
    # An equivalent candidate whose few slowest requests put its p99 over 1.5x stable's.
    lucky = sampled([rng.lognormvariate(3, 0.4) for _ in range(117)] + [180.0, 180.0, 180.0])
    judgement = judge(DeployGates(), Observation(lucky, stable))
    assert judgement.results[1].value > 1.5
    assert judgement.passed and "Mann-Whitney U p=" in judgement.results[1].reason
    slow = sampled([2 * rng.lognormvariate(3, 0.4) for _ in range(120)])
    judgement = judge(DeployGates(), Observation(slow, stable))
    assert judgement.verdict is Verdict.FAIL and "Mann-Whitney U p=" in judgement.reason


def test_latency_gates_count_answered_requests_as_their_sample():
    # 60 requests, of which only 10 were answered: the latency gate has 10 values, too few.
    candidate = TrackStats(60, 50, 1.0, 1.0, 1.0, tuple([1.0] * 10))
    judgement = judge(gates(error_rate=None, min_requests=20), Observation(candidate, sampled([1.0] * 100)))
    assert judgement.verdict is Verdict.INCONCLUSIVE and "only 10 requests" in judgement.reason


def test_the_error_budget_fails_a_step_before_min_requests():
    # error-rate <= 0.01 at min-requests 50 allows no more than 0.5 failures: three end the step.
    assert judge(DeployGates(), Observation(stats(requests=4, errors=3))).failed
    early = judge(DeployGates(), Observation(stats(requests=4, errors=3)))
    assert "error budget spent: 3 of 4 requests failed" in early.reason
    assert judge(DeployGates(), Observation(stats(requests=4, errors=2))).verdict is Verdict.INCONCLUSIVE
    loose = gates(error_rate="<= 0.5", min_requests=50)
    assert judge(loose, Observation(stats(requests=10, errors=5))).verdict is Verdict.INCONCLUSIVE


def test_a_shadow_candidate_that_sheds_most_copies_fails():
    observation = Observation(stats(), stats(), offered=200, shed=150)
    judgement = judge(DeployGates(), observation)
    assert judgement.verdict is Verdict.FAIL
    assert "could not take 150 of 200 copies" in judgement.reason
    assert judge(DeployGates(), Observation(stats(), stats(), offered=200, shed=20)).passed


def test_the_shed_count_is_in_the_progress_line_and_the_report():
    from generator.deploy.report import DeployReport, markdown, progress_line, step_record

    observation = Observation(stats(), stats(), offered=200, shed=150)
    record = step_record("shadow", 0, 10.0, observation, judge(DeployGates(), observation), 10.0)
    assert "copies 200, shed 150" in progress_line(record)
    report = DeployReport("s", "s", "shadow", "v2", "v2", "v1", "failed", "", 1, 10.0, steps=[record])
    assert "offered to the candidate: 200, shed: 150" in markdown(report)
    assert '"shed": 150' in report.to_json()
