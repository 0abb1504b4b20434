"""Compare logged traffic with the reference profile: PSI and KS per numeric feature, PSI and
chi-squared per categorical one, the same for the predictions; a verdict against the thresholds."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from generator.monitor.profile import OTHER, FeatureProfile, Kind, Profile, category, is_missing, number
from generator.monitor.records import Logged
from generator.monitor.stats import bin_shares, chi_squared, ks, numpy, psi
from generator.spec.monitor import Thresholds

Verdict = Literal["pass", "drift", "inconclusive"]


@dataclass(frozen=True)
class FeatureDrift:
    """One feature's (or the prediction's) drift, with the shares behind it for the chart."""

    name: str
    kind: Kind
    role: Literal["input", "prediction"]
    rows: int
    reference_missing: float
    missing: float
    psi: float | None
    ks: float | None = None
    ks_pvalue: float | None = None
    chi2_pvalue: float | None = None
    drifted: bool = False
    reason: str = ""
    labels: tuple[str, ...] = ()  # bins or categories
    expected: tuple[float, ...] = ()
    actual: tuple[float, ...] = ()
    new_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftReport:
    rows: int
    features: tuple[FeatureDrift, ...]
    prediction: FeatureDrift
    verdict: Verdict
    thresholds: Thresholds
    notes: tuple[str, ...] = ()
    model_version: str | None = None

    @property
    def drifted(self) -> list[FeatureDrift]:
        return [f for f in (*self.features, self.prediction) if f.drifted]

    @property
    def input_psi(self) -> float | None:
        """The largest input-feature PSI: what the `drift` deploy gate compares."""
        values = [f.psi for f in self.features if f.psi is not None]
        return max(values) if values else None


def compare(profile: Profile, logged: Logged, thresholds: Thresholds) -> DriftReport:
    """Drift of the logged inputs and predictions from the profile, judged on the thresholds."""
    inputs = [measure(f, logged.column(f.name), thresholds, "input") for f in profile.features]
    prediction = measure(profile.prediction, logged.predictions, thresholds, "prediction")
    notes = _notes(profile, logged)
    rows = len(logged.predictions)
    verdict: Verdict = "inconclusive" if rows < thresholds.min_rows else "pass"
    if verdict == "pass" and any(f.drifted for f in (*inputs, prediction)):
        verdict = "drift"
    if rows < thresholds.min_rows:
        notes = (*notes, f"only {rows} logged predictions (min-rows {thresholds.min_rows}): inconclusive")
    return DriftReport(rows, tuple(inputs), prediction, verdict, thresholds, notes, profile.model_version)


def _notes(profile: Profile, logged: Logged) -> tuple[str, ...]:
    notes = []
    if logged.without_inputs:
        notes.append(
            f"{logged.without_inputs} prediction lines did not log their inputs (add an `inputs` list "
            "to the prediction log line): input drift is measured on the others only"
        )
    known = {f.name for f in profile.features}
    extra = sorted(set(logged.columns) - known)
    if extra:
        notes.append(f"fields not in the profile, not measured: {', '.join(extra)}")
    return tuple(notes)


def measure(
    reference: FeatureProfile,
    values: Sequence[Any],
    thresholds: Thresholds,
    role: Literal["input", "prediction"],
) -> FeatureDrift:
    if reference.kind == "numeric":
        return _numeric(reference, values, thresholds, role)
    return _categorical(reference, values, thresholds, role)


def _missing_share(values: Sequence[Any], present: int) -> float:
    return 1 - present / len(values) if values else 0.0


def _numeric(
    ref: FeatureProfile, values: Sequence[Any], thresholds: Thresholds, role: Literal["input", "prediction"]
) -> FeatureDrift:
    np = numpy()
    present = np.asarray([n for n in map(number, values) if n is not None], dtype=float)
    base = FeatureDrift(
        ref.name, "numeric", role, len(values), ref.missing, _missing_share(values, len(present)), None
    )
    if len(present) == 0 or not ref.quantiles:
        return _with(base, reason="no values to compare")
    actual = bin_shares(present, ref.edges)
    value = psi(ref.shares, actual)
    statistic, pvalue = ks(ref.quantiles, present)
    reasons = _over("PSI", value, thresholds.psi)
    if thresholds.ks is not None:
        reasons += _over("KS", statistic, thresholds.ks)
    labels = _bin_labels(ref.edges)
    return _with(
        base,
        psi=value,
        ks=statistic,
        ks_pvalue=pvalue,
        drifted=bool(reasons),
        reason="; ".join(reasons),
        labels=labels,
        expected=ref.shares,
        actual=tuple(actual),
    )


def _categorical(
    ref: FeatureProfile, values: Sequence[Any], thresholds: Thresholds, role: Literal["input", "prediction"]
) -> FeatureDrift:
    present = [category(v) for v in values if not is_missing(v)]
    known = set(ref.frequencies)
    counts = Counter(c if c in known or OTHER not in known else OTHER for c in present)
    base = FeatureDrift(
        ref.name, "categorical", role, len(values), ref.missing, _missing_share(values, len(present)), None
    )
    if not present:
        return _with(base, reason="no values to compare")
    labels = (*ref.frequencies, *sorted(set(counts) - known))
    expected = tuple(ref.frequencies.get(label, 0.0) for label in labels)
    actual = tuple(counts.get(label, 0) / len(present) for label in labels)
    value = psi(expected, actual)
    _, pvalue = chi_squared(expected, [counts.get(label, 0) for label in labels])
    new = tuple(label for label in labels if label not in known)
    reasons = _over("PSI", value, thresholds.psi)
    if new:
        reasons.append(f"new categories: {', '.join(new[:5])}{' ...' if len(new) > 5 else ''}")
    return _with(
        base,
        psi=value,
        chi2_pvalue=pvalue,
        drifted=value > thresholds.psi,
        reason="; ".join(reasons),
        labels=labels,
        expected=expected,
        actual=actual,
        new_categories=new,
    )


def _over(name: str, value: float, threshold: float) -> list[str]:
    return [f"{name} {value:.3f} > {threshold:g}"] if not math.isnan(value) and value > threshold else []


def _bin_labels(edges: Sequence[float]) -> tuple[str, ...]:
    if not edges:
        return ("all",)
    inner = [f"{a:.4g}..{b:.4g}" for a, b in itertools.pairwise(edges)]
    return (f"<={edges[0]:.4g}", *inner, f">{edges[-1]:.4g}")


def _with(base: FeatureDrift, **changes: Any) -> FeatureDrift:
    from dataclasses import replace

    return replace(base, **changes)
