"""generator.monitor's figures (numpy bins, scipy.stats) against tests/monitor/reference_impl.py.

Tolerances: 1e-9 where both sides see the same numbers (floating-point summation order only); 0.011 for
KS from the profile against KS from the full training data (the profile keeps 101 percentiles, one
percentile step is 0.01)."""

from __future__ import annotations

import pytest

from generator.monitor import stats
from generator.monitor.drift import compare
from generator.monitor.records import logged
from tests.monitor import reference_impl as ref
from tests.monitor.synthetic import rows

SAME = 1e-9
PROFILE_KS = 0.011


def _column(records, name):
    return [r[name] for r in records if r.get(name) is not None]


@pytest.mark.parametrize("shift", [0.0, 0.3, 1.0])
def test_numeric_psi_and_ks_agree_with_the_plain_implementation(training, reference, thresholds, shift):
    live = rows(2000, seed=7, shift=shift)
    report = compare(reference, logged(_lines(live)), thresholds)
    x = next(f for f in report.features if f.name == "x")
    train_x, live_x = _column(training, "x"), _column(live, "x")
    edges = ref.decile_edges(train_x)
    assert list(reference.feature("x").edges) == pytest.approx(edges, abs=SAME)
    assert x.psi == pytest.approx(ref.psi(ref.shares(train_x, edges), ref.shares(live_x, edges)), abs=SAME)
    # Same inputs (the profile's percentiles as the reference sample): the same statistic.
    assert x.ks == pytest.approx(ref.ks_statistic(reference.feature("x").quantiles, live_x), abs=SAME)
    # Against the full training data: within one percentile step.
    assert x.ks == pytest.approx(ref.ks_statistic(train_x, live_x), abs=PROFILE_KS)


def test_categorical_psi_and_chi_squared_agree(training, reference, thresholds):
    live = rows(3000, seed=8, new_colour=0.2)
    report = compare(reference, logged(_lines(live)), thresholds)
    colour = next(f for f in report.features if f.name == "colour")
    counts = [sum(r["colour"] == label for r in live) for label in colour.labels]
    expected = [sum(r["colour"] == label for r in training) / len(training) for label in colour.labels]
    assert colour.psi == pytest.approx(ref.psi(expected, [c / len(live) for c in counts]), abs=SAME)
    statistic, pvalue = stats.chi_squared(expected, counts)
    mine, theirs = ref.chi_squared(expected, counts)
    assert statistic == pytest.approx(mine, rel=SAME)
    assert pvalue == pytest.approx(theirs, abs=SAME)


def test_chi_squared_p_value_without_drift_agrees():
    expected = [0.5, 0.3, 0.2]
    counts = [52, 28, 20]
    assert stats.chi_squared(expected, counts) == pytest.approx(ref.chi_squared(expected, counts), abs=SAME)


def test_psi_of_identical_shares_is_zero_and_grows_with_the_gap():
    assert stats.psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert stats.psi([0.5, 0.5], [0.6, 0.4]) < stats.psi([0.5, 0.5], [0.9, 0.1])


def _lines(records):
    from tests.monitor.synthetic import log_lines

    return log_lines(records)
