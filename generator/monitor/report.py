"""The monitor report: a table per feature (text and Markdown), JSON, and a PNG chart per drifted feature."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

from generator.monitor.drift import DriftReport, FeatureDrift

COLUMNS = ("feature", "type", "PSI", "KS", "p-value", "missing", "drift")


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}" if abs(value) >= 10**-digits or value == 0 else f"{value:.1e}"


def row(f: FeatureDrift) -> tuple[str, ...]:
    name = f.name if f.role == "input" or f.name == "prediction" else f"{f.name} (prediction)"
    pvalue = f.ks_pvalue if f.kind == "numeric" else f.chi2_pvalue
    missing = f"{f.reference_missing:.0%} -> {f.missing:.0%}"
    verdict = ("DRIFT: " + f.reason) if f.drifted else (f.reason or "ok")
    return (name, f.kind, _num(f.psi), _num(f.ks), _num(pvalue), missing, verdict)


def headline(report: DriftReport) -> str:
    t = report.thresholds
    limits = f"PSI > {t.psi:g}" + (f" or KS > {t.ks:g}" if t.ks is not None else "")
    if report.verdict == "drift":
        names = ", ".join(f.name for f in report.drifted)
        return f"drift in {names} ({report.rows} predictions; drifted means {limits})"
    if report.verdict == "inconclusive":
        return f"inconclusive: {report.rows} predictions, fewer than min-rows {t.min_rows}"
    return f"no drift ({report.rows} predictions; drifted means {limits})"


def text(report: DriftReport) -> str:
    rows = [COLUMNS, *(row(f) for f in (*report.features, report.prediction))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1] for r in rows]
    return "\n".join([headline(report), "", *lines, *(f"note: {n}" for n in report.notes)])


def markdown(report: DriftReport, charts: dict[str, str]) -> str:
    body = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    body += [
        "| " + " | ".join(c.replace("|", "\\|") for c in row(f)) + " |"
        for f in (*report.features, report.prediction)
    ]
    images = [f"![{name}]({file})" for name, file in charts.items()]
    notes = [f"- {n}" for n in report.notes]
    return "\n".join(["### Drift report", "", headline(report), "", *body, "", *notes, *images, ""])


def as_json(report: DriftReport, charts: dict[str, str]) -> dict[str, Any]:
    def feature(f: FeatureDrift) -> dict[str, Any]:
        data = dataclasses.asdict(f)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}

    return {
        "verdict": report.verdict,
        "rows": report.rows,
        "model_version": report.model_version,
        "thresholds": report.thresholds.model_dump(by_alias=True),
        "input_psi": report.input_psi,
        "features": [feature(f) for f in report.features],
        "prediction": feature(report.prediction),
        "notes": list(report.notes),
        "charts": charts,
    }


def charts(report: DriftReport, folder: Path) -> dict[str, str]:
    """A bar chart (reference share vs live share per bin or category) per drifted feature."""
    drifted = report.drifted
    if not drifted:
        return {}
    try:
        import matplotlib
    except ImportError:
        return {}
    matplotlib.use("Agg")  # no display: CI runners and servers
    from matplotlib import pyplot

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for feature in drifted:
        name = f"drift-{re.sub(r'[^A-Za-z0-9_.-]', '_', feature.name)}.png"
        _chart(pyplot, feature, folder / name)
        written[feature.name] = name
    return written


def _chart(pyplot: Any, f: FeatureDrift, path: Path) -> None:
    figure, axes = pyplot.subplots(figsize=(max(6.0, 0.5 * len(f.labels) + 2), 3.6), dpi=100)
    positions = range(len(f.labels))
    axes.bar([p - 0.2 for p in positions], f.expected, width=0.4, label="reference (training)")
    axes.bar([p + 0.2 for p in positions], f.actual, width=0.4, label="logged traffic")
    axes.set_xticks(list(positions), [label[:18] for label in f.labels], rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("share of rows")
    what = "prediction " if f.role == "prediction" else ""
    axes.set_title(f"{what}{f.name}: PSI {_num(f.psi)}" + (f", KS {_num(f.ks)}" if f.ks is not None else ""))
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
