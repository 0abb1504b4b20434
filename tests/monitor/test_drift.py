"""Drift scenarios on synthetic data: the right measures cross their thresholds, and only those."""

from __future__ import annotations

import json

import pytest

from generator.monitor import profile
from generator.monitor.drift import compare
from generator.monitor.records import logged
from generator.spec.monitor import Thresholds
from tests.monitor.synthetic import log_lines, rows


def _report(reference, live, thresholds, **kwargs):
    return compare(reference, logged(log_lines(live, **kwargs)), thresholds)


def _by_name(report):
    return {f.name: f for f in report.features} | {"(prediction)": report.prediction}


def test_same_distribution_passes(reference, thresholds):
    report = _report(reference, rows(2000, seed=2), thresholds, batch=5)
    assert report.verdict == "pass", [f.reason for f in report.drifted]
    assert all(f.psi is not None and f.psi < 0.1 for f in _by_name(report).values())
    assert report.rows == 2000


def test_shifted_numeric_feature_crosses_psi_and_ks(reference, thresholds):
    report = _report(reference, rows(2000, seed=3, shift=1.0), thresholds)
    features = _by_name(report)
    assert report.verdict == "drift"
    assert features["x"].drifted and features["x"].psi > 0.25 and features["x"].ks > 0.2
    assert not features["size"].drifted and not features["colour"].drifted
    assert report.input_psi == features["x"].psi


def test_small_shift_is_below_the_thresholds(reference, thresholds):
    report = _report(reference, rows(2000, seed=4, shift=0.1), thresholds)
    assert _by_name(report)["x"].psi < 0.1 and report.verdict == "pass"


def test_new_category_crosses_psi_and_is_named(reference, thresholds):
    report = _report(reference, rows(2000, seed=5, new_colour=0.3), thresholds)
    colour = _by_name(report)["colour"]
    assert colour.drifted and colour.psi > 0.25
    assert colour.new_categories == ("purple",)
    assert colour.chi2_pvalue < 1e-6
    assert "new categories: purple" in colour.reason


def test_collapsed_prediction_distribution_crosses_on_predictions_only(reference, thresholds):
    report = _report(reference, rows(2000, seed=6, collapse=True), thresholds)
    features = _by_name(report)
    assert [f.name for f in report.drifted] == ["prediction"]
    assert features["(prediction)"].role == "prediction" and features["(prediction)"].psi > 0.25


def test_numeric_prediction_collapse_crosses_ks(thresholds):
    training = [{"a": i % 7, "prediction": float(i % 100)} for i in range(1000)]
    reference = profile.build(training, "prediction")
    live = [{"a": i % 7, "prediction": 42.0} for i in range(500)]
    report = _report(reference, live, thresholds)
    assert report.prediction.kind == "numeric" and report.prediction.ks > 0.5 and report.prediction.drifted


def test_too_few_rows_is_inconclusive(reference):
    report = _report(reference, rows(50, seed=2), Thresholds.model_validate({"min-rows": 100}))
    assert report.verdict == "inconclusive"
    assert any("only 50 logged predictions" in n for n in report.notes)


def test_missing_share_is_reported_not_counted(reference, thresholds):
    report = _report(reference, rows(1000, seed=2, missing=0.5), thresholds)
    x = _by_name(report)["x"]
    assert x.missing == pytest.approx(0.5, abs=0.06) and x.reference_missing == 0


def test_lines_without_inputs_still_measure_predictions(reference, thresholds):
    lines = [json.dumps({"event": "prediction", "predictions": ["high"]}) for _ in range(200)]
    report = compare(reference, logged(lines), thresholds)
    assert report.features[0].psi is None and report.prediction.psi is not None
    assert any("did not log their inputs" in n for n in report.notes)


def test_ks_threshold_can_be_switched_off(reference):
    live = rows(2000, seed=3, shift=0.45)
    on = _report(reference, live, Thresholds(psi=5, ks=0.1))
    off = _report(reference, live, Thresholds(psi=5, ks=None))
    assert on.verdict == "drift" and off.verdict == "pass"


def test_profile_round_trips_through_json(tmp_path, reference):
    path = tmp_path / "profile.json"
    profile.write(reference, path)
    again = profile.load(path, "profile.json")
    assert again == reference
    assert path.stat().st_size < 20_000  # compact: a few KB per feature


def test_kinds_are_inferred_and_can_be_forced(training):
    built = profile.build(training, "prediction", categorical=["size"])
    kinds = {f.name: f.kind for f in built.features}
    assert kinds == {"colour": "categorical", "size": "categorical", "x": "numeric"}
    assert built.prediction.kind == "categorical"


def test_model_version_comes_from_the_records():
    assert (
        profile.build([{"a": 1, "prediction": 1, "model_version": "v1"}], "prediction").model_version == "v1"
    )
    assert profile.build([{"a": 1, "prediction": 1}], "prediction").model_version is None
