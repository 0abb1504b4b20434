"""The model report: each metric's candidate, champion, delta, gate and verdict as a Markdown table, a
Mermaid chart of the deltas, and the replay's shadow verdict; the same as JSON for tools."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.deploy.gates import GateResult, Judgement, Verdict
from generator.markdown import md_code, md_text
from generator.model.gates import Champion, MetricRow

MARKER = "<!-- ci-gen-model-report -->"
MAX_COMMENT_CHARS = 60_000  # GitHub refuses comments over 65,536 characters


@dataclass(frozen=True)
class ModelReport:
    stage: str | None
    champion: Champion | None
    champion_note: str
    rows: tuple[MetricRow, ...]
    judgement: Judgement
    replay: Judgement | None = None
    replay_figures: dict[str, Any] = field(default_factory=dict)
    replay_gates: bool = True  # whether the replay's verdict decides the model job

    @property
    def passed(self) -> bool:
        replay_failed = self.replay is not None and self.replay_gates and not self.replay.passed
        return self.judgement.passed and not replay_failed


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def _delta(row: MetricRow) -> str:
    delta = row.delta
    if delta is None:
        return "-"
    relative = f" ({100 * delta / abs(row.champion):+.1f} %)" if row.champion else ""
    return f"{delta:+.4g}{relative}"


def _verdict(results: Sequence[GateResult]) -> str:
    if not results:
        return ""
    words = {Verdict.PASS: "pass", Verdict.FAIL: "**FAIL**", Verdict.INCONCLUSIVE: "**inconclusive**"}
    shown = [words.get(r.verdict, "pass, noted") for r in results]
    why = [md_text(r.reason) for r in results if r.reason]
    return " / ".join(shown) + (f": {'; '.join(why)}" if why else "")


def metric_table(rows: Sequence[MetricRow]) -> list[str]:
    lines = [
        "| metric | candidate | champion | delta | gate | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        gates = "<br>".join(md_code(r.expression) for r in row.results)
        cells = (md_text(row.metric), _number(row.candidate), _number(row.champion), _delta(row), gates)
        lines.append(f"| {' | '.join(cells)} | {_verdict(row.results)} |")
    return lines


def delta_chart(rows: Sequence[MetricRow]) -> list[str]:
    """xychart-beta bars: each metric's change from the champion, in percent of the champion's value."""
    points = [(r.metric, 100 * r.delta / abs(r.champion)) for r in rows if r.delta is not None and r.champion]
    if not points:
        return []
    low = min(0.0, *(p[1] for p in points))
    high = max(0.0, *(p[1] for p in points))
    span = max(high - low, 1.0)
    labels = ", ".join(f'"{_label(name)}"' for name, _ in points)
    bars = ", ".join(f"{value:.2f}" for _, value in points)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Candidate vs champion, change in %"',
        f"    x-axis [{labels}]",
        f'    y-axis "% change" {math.floor(low - span / 10)} --> {math.ceil(high + span / 10)}',
        f"    bar [{bars}]",
        "```",
    ]


def _label(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "_.-")[:40]


def _heading(report: ModelReport) -> list[str]:
    verdict = "passed" if report.passed else "FAILED"
    lines = [f"### Model report: {verdict}", ""]
    if report.champion is not None:
        c = report.champion
        lines.append(
            f"Champion: the model {md_text(c.stage)} serves, {md_code(c.version)} ({md_text(c.source)})."
        )
    elif report.stage is not None:
        lines.append(f"No champion for {md_text(report.stage)} yet: {md_text(report.champion_note)}.")
    if not report.judgement.passed:
        lines += ["", f"Gates: {md_text(report.judgement.reason)}"]
    return [*lines, ""]


def replay_table(report: ModelReport) -> list[str]:
    if report.replay is None:
        return []
    figures = report.replay_figures
    role = "decides" if report.replay_gates else "does not decide (report only)"
    if not figures:
        return ["", f"#### Replay of recorded requests: skipped ({md_text(report.replay.reason)})"]
    lines = [
        "",
        f"#### Replay of recorded requests: {report.replay.verdict.value} ({role} the pull request)",
        "",
        f"{figures.get('requests', 0)} requests to champion and candidate, each model served from its "
        f"artifacts in this job by this commit's serve command; {figures.get('compared', 0)} predictions "
        "compared.",
        "",
        "| gate | threshold | value | verdict | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in report.replay.results:
        value = _number(r.value)
        lines.append(
            f"| {r.gate} | {md_code(r.expression)} | {value} | {r.verdict.value} | {md_text(r.reason)} |"
        )
    lines += ["", "| latency | champion | candidate |", "| --- | --- | --- |"]
    for q in ("p50", "p95"):
        lines.append(f"| {q} | {_ms(figures.get(f'champion_{q}'))} | {_ms(figures.get(f'candidate_{q}'))} |")
    return lines


def _ms(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f} ms"


def markdown(report: ModelReport) -> str:
    lines = [*_heading(report), *metric_table(report.rows)]
    chart = delta_chart(report.rows)
    if chart:
        lines += ["", *chart]
    lines += replay_table(report)
    return "\n".join(lines) + "\n"


def comment(report_markdown: str) -> str:
    """The pull-request comment: the marker that finds it again, then the report (capped)."""
    body = report_markdown
    if len(body) > MAX_COMMENT_CHARS:
        body = body[:MAX_COMMENT_CHARS] + "\n\n(cut: the whole report is in the job summary)\n"
    return f"{MARKER}\n{body}"


def as_json(report: ModelReport) -> dict[str, Any]:
    champion = report.champion
    return {
        "passed": report.passed,
        "stage": report.stage,
        "champion": None
        if champion is None
        else {"version": champion.version, "source": champion.source, "metrics": dict(champion.metrics)},
        "champion_note": report.champion_note,
        "metrics": [_row_json(row) for row in report.rows],
        "gates": {"verdict": report.judgement.verdict.value, "reason": report.judgement.reason},
        "replay": None
        if report.replay is None
        else {
            "verdict": report.replay.verdict.value,
            "reason": report.replay.reason,
            "decides": report.replay_gates,
            **report.replay_figures,
        },
    }


def _row_json(row: MetricRow) -> dict[str, Any]:
    return {
        "metric": row.metric,
        "candidate": row.candidate,
        "champion": row.champion,
        "delta": row.delta,
        "gates": [
            {"gate": r.expression, "verdict": r.verdict.value, "reason": r.reason} for r in row.results
        ],
    }
