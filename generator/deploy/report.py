"""What a deploy tells people: progress events while it runs, then a report as Markdown or JSON.

The Markdown has a table per judged step and a Mermaid xychart of the candidate's traffic weight and
error rate over time; GitHub renders both in the job summary.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from generator.deploy.gates import GateResult, Judgement, Observation, TrackStats, format_value
from generator.markdown import add_to_job_summary, md_code, md_text

MAX_CHART_POINTS = 40


@dataclass(frozen=True)
class Event:
    """One progress line; `step` is set when a step was judged."""

    message: str
    step: dict[str, Any] | None = None


Emit = Callable[[Event], None]


def step_record(
    name: str, weight: int, seconds: float, observation: Observation, judgement: Judgement, elapsed: float
) -> dict[str, Any]:
    """A judged step as plain data (it is kept in the state file, so a resumed deploy reports it too)."""
    return {
        "step": name,
        "weight": weight,
        "seconds": round(seconds, 1),
        "at": round(elapsed, 1),
        "candidate": observation.candidate.summary(),
        "stable": observation.stable.summary() if observation.stable else None,
        "agreement": observation.agreement,
        "compared": observation.compared,
        "notes": list(observation.notes),
        "offered": observation.offered,
        "shed": observation.shed,
        "verdict": judgement.verdict.value,
        "reason": judgement.reason,
        "gates": [_gate(r) for r in judgement.results],
    }


def _gate(result: GateResult) -> dict[str, Any]:
    return {
        "gate": result.gate,
        "expression": result.expression,
        "value": result.value,
        "verdict": result.verdict.value,
        "reason": result.reason,
    }


def progress_line(record: dict[str, Any]) -> str:
    """`[canary 2/3] 50% | candidate 120 req, 0.0% err, p99 12 ms | stable ... | agreement 100% | pass`"""
    parts = [f"[{record['step']}] {record['weight']}% to candidate, {record['seconds']:.0f} s"]
    parts.append("candidate " + _stats_text(record["candidate"]))
    if record["stable"]:
        parts.append("stable " + _stats_text(record["stable"]))
    if record["agreement"] is not None:
        parts.append(f"agreement {record['agreement']:.1%} of {record['compared']}")
    if record.get("offered"):
        parts.append(f"copies {record['offered']}, shed {record.get('shed', 0)}")
    verdict = record["verdict"] + (f" ({record['reason']})" if record["reason"] else "")
    return " | ".join([*parts, verdict])


def _stats_text(stats: dict[str, Any]) -> str:
    if not stats["requests"]:
        return "0 req"
    rate = stats["errors"] / stats["requests"]
    p99 = "-" if stats["p99"] is None else f"{stats['p99']:.0f} ms"
    return f"{stats['requests']} req, {rate:.1%} err, p99 {p99}"


@dataclass
class DeployReport:
    """The whole story of one `ci-gen deploy` run."""

    stage: str
    environment: str
    strategy: str
    version: str
    release: str
    previous: str | None
    outcome: str  # promoted | passed | installed | unchanged | rolled back | failed
    reason: str
    exit_code: int
    seconds: float
    steps: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def markdown(report: DeployReport) -> str:
    """The report as GitHub-flavoured Markdown with a Mermaid chart."""
    icon = {"promoted": "✅", "passed": "✅", "installed": "✅", "unchanged": "✅"}.get(report.outcome, "❌")
    lines = [
        f"## {icon} Deploy {md_code(report.stage)} ({md_text(report.strategy)}): {md_text(report.outcome)}",
        "",
        f"- release: {md_code(report.release)} (version {md_code(report.version)})",
        f"- previous stable: {md_code(report.previous or 'none')}",
        f"- environment: {md_code(report.environment)}, {report.seconds:.0f} s",
    ]
    if report.reason:
        lines.append(f"- reason: {md_text(report.reason)}")
    for record in report.steps:
        lines += ["", *_step_table(record)]
    chart = mermaid_chart(report.timeline)
    if chart:
        lines += ["", chart]
    return "\n".join(lines) + "\n"


def _step_table(record: dict[str, Any]) -> list[str]:
    lines = [
        f"### {record['step']}: {record['verdict']} "
        f"({record['weight']}% to candidate, {record['seconds']:.0f} s)",
        "",
        "| gate | threshold | value | verdict | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for gate in record["gates"]:
        value = format_value(gate["gate"], gate["value"])
        cells = [md_text(gate["gate"]), md_code(gate["expression"]), md_text(value), md_text(gate["verdict"])]
        lines.append(f"| {' | '.join(cells)} | {md_text(gate['reason'])} |")
    lines += [
        "",
        "| track | requests | errors | p50 ms | p95 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for track in ("candidate", "stable"):
        if record[track]:
            lines.append(_track_row(track, TrackStats(**record[track])))
    if record.get("offered"):
        offered, shed = record["offered"], record.get("shed", 0)
        lines += ["", f"- shadow copies offered to the candidate: {offered}, shed: {shed}"]
    lines += [f"- {md_text(note)}" for note in record["notes"]]
    return lines


def _track_row(track: str, stats: TrackStats) -> str:
    cells = [f"{v:.1f}" if v is not None else "-" for v in (stats.p50, stats.p95, stats.p99)]
    return f"| {track} | {stats.requests} | {stats.errors} | {' | '.join(cells)} |"


def mermaid_chart(timeline: Sequence[dict[str, Any]]) -> str:
    """xychart-beta of candidate weight (bars) and error rate (line), both in percent, over time."""
    points = _thin(list(timeline), MAX_CHART_POINTS)
    if len(points) < 2:
        return ""
    labels = ", ".join(f'"{p["t"]:.1f}s"' for p in points)
    weights = ", ".join(str(p["weight"]) for p in points)
    errors = ", ".join(f"{100 * p['error_rate']:.1f}" for p in points)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "Candidate weight (bars) and error rate (line), %"',
            f"    x-axis [{labels}]",
            '    y-axis "percent" 0 --> 100',
            f"    bar [{weights}]",
            f"    line [{errors}]",
            "```",
        ]
    )


def _thin(points: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    if len(points) <= limit:
        return points
    stride = len(points) / limit
    return [points[int(i * stride)] for i in range(limit - 1)] + [points[-1]]


def headline(report: DeployReport) -> str:
    """The one line a deploy ends with: stage, outcome, version and why."""
    reason = f": {report.reason}" if report.reason else ""
    return f"{report.stage}: {report.outcome} {report.version}{reason}"


def publish_markdown(report: DeployReport, report_path: Path | None) -> None:
    """Write the Markdown report where asked (`--report`) and into the job summary if there is one."""
    text = markdown(report)
    if report_path is not None:
        report_path.write_text(text)
    add_to_job_summary(text)
