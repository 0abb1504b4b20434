"""Model gates: the strict syntax, and judging against the champion with the deploy gates' comparison."""

from __future__ import annotations

import pytest

from generator.deploy.gates import Verdict
from generator.model.gates import Champion, judge_gate, judge_metrics, threshold
from generator.spec.champion import _model_gate

CHAMPION = Champion("production", "abc123", {"accuracy": 0.95, "latency_ms": 20.0}, "test")


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        (">=0.9", ">= 0.9"),
        (">= champion", ">= champion"),
        (">=champion-0.01", ">= champion - 0.01"),
        ("<= champion * 1.1", "<= champion * 1.1"),
        ("< champion + 2e-3", "< champion + 2e-3"),
    ],
)
def test_gates_are_normalised(written: str, normalised: str) -> None:
    assert _model_gate(written) == normalised


@pytest.mark.parametrize(
    "bad", ["=> 0.9", ">= champ", ">= champion / 2", ">= champion -", "champion", ">= -champion"]
)
def test_bad_gates_are_refused_with_the_syntax(bad: str) -> None:
    with pytest.raises(ValueError, match="OP champion"):
        _model_gate(bad)


def test_thresholds_follow_the_champion() -> None:
    assert threshold(">= champion - 0.01", 0.95) == pytest.approx(0.94)
    assert threshold("<= champion * 1.1", 20.0) == pytest.approx(22.0)
    assert threshold(">= champion", 0.5) == 0.5


def test_a_relative_gate_passes_and_fails_against_the_champion() -> None:
    passed = judge_gate("accuracy", ">= champion - 0.01", 0.945, CHAMPION, "pass")
    failed = judge_gate("latency_ms", "<= champion * 1.1", 23.0, CHAMPION, "pass")
    assert passed.verdict is Verdict.PASS
    assert failed.verdict is Verdict.FAIL
    assert failed.reason == "latency_ms 23 is not <= champion * 1.1 (= <= 22)"


def test_absolute_gates_need_no_champion() -> None:
    assert judge_gate("accuracy", ">= 0.9", 0.91, None, "fail").verdict is Verdict.PASS


def test_first_release_pass_notes_and_the_absolute_part_still_judges() -> None:
    gates = {"accuracy": [">= 0.9", ">= champion - 0.01"]}
    rows, judgement = judge_metrics(gates, {"accuracy": 0.93}, None, "pass")
    assert judgement.verdict is Verdict.PASS
    assert [r.verdict for r in rows[0].results] == [Verdict.PASS, Verdict.SKIP]
    assert "no champion yet" in rows[0].results[1].reason
    _, low = judge_metrics(gates, {"accuracy": 0.80}, None, "pass")
    assert low.verdict is Verdict.FAIL


def test_first_release_fail_refuses_without_a_champion() -> None:
    _, judgement = judge_metrics({"accuracy": [">= champion"]}, {"accuracy": 0.99}, None, "fail")
    assert judgement.verdict is Verdict.FAIL
    assert "first-release is fail" in judgement.reason


def test_a_metric_the_champion_lacks_fails_safe() -> None:
    _, judgement = judge_metrics({"f1": [">= champion"]}, {"f1": 0.99}, CHAMPION, "pass")
    assert judgement.verdict is Verdict.INCONCLUSIVE
    assert "has no 'f1' metric" in judgement.reason


def test_rows_cover_both_models_metrics_with_deltas() -> None:
    rows, _ = judge_metrics({}, {"accuracy": 0.97, "new": 1.0}, CHAMPION, "pass")
    by_name = {row.metric: row for row in rows}
    assert set(by_name) == {"accuracy", "latency_ms", "new"}
    assert by_name["accuracy"].delta == pytest.approx(0.02)
    assert by_name["latency_ms"].candidate is None and by_name["new"].champion is None
