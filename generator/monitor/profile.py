"""The reference profile: per feature (and for the prediction) its type, missing share, and either
quantiles and decile bins (numeric) or category frequencies (categorical). A few KB of JSON.

Numbers are numeric unless the spec lists the field as categorical; strings and booleans are categories.
Bin shares are computed on the full reference data, so PSI against the profile is exact; KS uses the
101 percentiles as the reference sample, which moves the statistic by at most one percentile (0.01).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from generator.errors import UsageError
from generator.monitor.records import Record
from generator.monitor.stats import bin_shares, numpy

FORMAT = "ci-gen-profile/1"
PERCENTILES = 101  # 0, 1, ..., 100
BINS = 10  # PSI over the reference's deciles, the usual choice
MAX_CATEGORIES = 100  # the rest are summed as OTHER
OTHER = "(other)"
Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class FeatureProfile:
    name: str
    kind: Kind
    count: int
    missing: float  # share of rows without a usable value
    quantiles: tuple[float, ...] = ()
    edges: tuple[float, ...] = ()  # interior bin edges (distinct reference deciles)
    shares: tuple[float, ...] = ()  # reference share per bin, len(edges) + 1
    frequencies: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        common: dict[str, Any] = {"type": self.kind, "count": self.count, "missing": self.missing}
        if self.kind == "numeric":
            return {**common, "quantiles": self.quantiles, "edges": self.edges, "shares": self.shares}
        return {**common, "frequencies": self.frequencies}


@dataclass(frozen=True)
class Profile:
    rows: int
    features: tuple[FeatureProfile, ...]
    prediction: FeatureProfile
    model_version: str | None = None

    def feature(self, name: str) -> FeatureProfile | None:
        return next((f for f in self.features if f.name == name), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "rows": self.rows,
            "model_version": self.model_version,
            "features": {f.name: f.as_json() for f in self.features},
            "prediction": {**self.prediction.as_json(), "name": self.prediction.name},
        }


def category(value: Any) -> str:
    """The name of a category: strings as they are, anything else as its JSON text."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def number(value: Any) -> float | None:
    """A usable number, or None (missing, NaN, infinite, a boolean or not a number at all)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def infer_kind(values: Sequence[Any], categorical: bool) -> Kind:
    present = [v for v in values if not is_missing(v)]
    if categorical or not present or any(number(v) is None for v in present):
        return "categorical"
    return "numeric"


def profile_values(name: str, values: Sequence[Any], kind: Kind) -> FeatureProfile:
    """Profile one column (values in row order; None or absent means missing)."""
    if kind == "numeric":
        return _numeric(name, values)
    return _categorical(name, values)


def _numeric(name: str, values: Sequence[Any]) -> FeatureProfile:
    np = numpy()
    present = np.asarray([n for n in map(number, values) if n is not None], dtype=float)
    missing = 1 - len(present) / len(values) if values else 0.0
    if len(present) == 0:
        return FeatureProfile(name, "numeric", len(values), missing)
    ordered = np.sort(present)
    quantiles = [float(ordered[_rank(k, PERCENTILES - 1, len(ordered))]) for k in range(PERCENTILES)]
    deciles = [ordered[_rank(k, BINS, len(ordered))] for k in range(1, BINS)]
    edges = sorted({float(e) for e in deciles})
    shares = bin_shares(present, edges)
    return FeatureProfile(
        name, "numeric", len(values), missing, tuple(quantiles), tuple(edges), tuple(shares)
    )


def _rank(k: int, parts: int, n: int) -> int:
    """Index of the k/parts quantile by nearest rank, in integers: an observed value (ties in discrete
    data stay ties) and no floating-point doubt about which one."""
    return max(1, -(-k * n // parts)) - 1


def _categorical(name: str, values: Sequence[Any]) -> FeatureProfile:
    present = [category(v) for v in values if not is_missing(v)]
    missing = 1 - len(present) / len(values) if values else 0.0
    counts = Counter(present)
    top = dict(counts.most_common(MAX_CATEGORIES))
    rest = sum(counts.values()) - sum(top.values())
    if rest:
        top[OTHER] = rest
    total = max(len(present), 1)
    return FeatureProfile(
        name, "categorical", len(values), missing, frequencies={k: c / total for k, c in top.items()}
    )


def build(
    records: Sequence[Record],
    prediction: str,
    features: Iterable[str] = (),
    categorical: Iterable[str] = (),
) -> Profile:
    """Profile reference records: every field but the prediction (or the listed features)."""
    if not records:
        raise UsageError("the reference data has no records")
    names = list(features) or sorted({k for r in records for k in r} - {prediction, "model_version"})
    if not any(prediction in r for r in records):
        raise UsageError(
            f"no reference record has the prediction field '{prediction}'",
            hint="set monitor.prediction to the field that holds the model's prediction",
        )
    forced = set(categorical)
    columns = {name: [r.get(name) for r in records] for name in [*names, prediction]}
    profiles = [profile_values(n, columns[n], infer_kind(columns[n], n in forced)) for n in names]
    target = profile_values(
        prediction, columns[prediction], infer_kind(columns[prediction], prediction in forced)
    )
    return Profile(len(records), tuple(profiles), target, _model_version(records))


def _model_version(records: Sequence[Record]) -> str | None:
    """The model version, when every reference record names the same one (as log lines do)."""
    versions = {str(r["model_version"]) for r in records if "model_version" in r}
    return versions.pop() if len(versions) == 1 and all("model_version" in r for r in records) else None


def markdown(profile: Profile) -> str:
    """The profile as a Markdown table: per feature its type, missing share and a few figures."""
    lines = [
        "### Reference profile",
        "",
        f"{profile.rows} training rows"
        + (f", model {profile.model_version}" if profile.model_version else ""),
        "",
        "| feature | type | missing | distribution |",
        "|---|---|---|---|",
    ]
    for f in (*profile.features, profile.prediction):
        name = f.name if f is not profile.prediction else f"{f.name} (prediction)"
        lines.append(f"| {name} | {f.kind} | {f.missing:.1%} | {_summary(f)} |".replace("\n", " "))
    return "\n".join(lines) + "\n"


def _summary(f: FeatureProfile) -> str:
    if f.kind == "numeric":
        if not f.quantiles:
            return "no values"
        q = f.quantiles
        return f"min {q[0]:.4g}, p5 {q[5]:.4g}, median {q[50]:.4g}, p95 {q[95]:.4g}, max {q[100]:.4g}"
    top = sorted(f.frequencies.items(), key=lambda item: -item[1])[:5]
    shown = ", ".join(f"{name.replace('|', '/')} {share:.0%}" for name, share in top)
    return shown + (f" (+{len(f.frequencies) - 5} more)" if len(f.frequencies) > 5 else "")


def write(profile: Profile, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(profile.as_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(path)


def load(path: Path, shown: str) -> Profile:
    """Read a profile written by `ci-gen profile`; a damaged or foreign file is a clear error."""
    if not path.is_file():
        raise UsageError(
            f"no reference profile at '{shown}'",
            hint="the model job writes it (ci-gen profile); download the model artifact or pass --profile",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        features = tuple(_feature(n, f) for n, f in data["features"].items())
        target = _feature(data["prediction"].get("name", "prediction"), data["prediction"])
        return Profile(int(data["rows"]), features, target, data.get("model_version"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"'{shown}' is not a ci-gen profile: {exc}") from None


def _feature(name: str, data: dict[str, Any]) -> FeatureProfile:
    kind = data["type"]
    if kind not in ("numeric", "categorical"):
        raise ValueError(f"feature '{name}' has type {kind!r}")
    return FeatureProfile(
        name,
        kind,
        int(data["count"]),
        float(data["missing"]),
        tuple(float(q) for q in data.get("quantiles", ())),
        tuple(float(e) for e in data.get("edges", ())),
        tuple(float(s) for s in data.get("shares", ())),
        {str(k): float(v) for k, v in data.get("frequencies", {}).items()},
    )
