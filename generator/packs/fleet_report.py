"""The fleet's rows as a terminal table, JSON, or a Markdown report for a scheduled workflow to publish."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict

from generator.packs.fleet import RepoStatus

COLUMNS = ("repository", "spec", "pack", "ci-gen", "drift", "doctor")


def cells(row: RepoStatus) -> tuple[str, ...]:
    doctor = "-" if row.doctor is None else str(row.doctor)
    return (row.path, row.spec, row.packs or "-", row.ci_gen or "-", row.drift, doctor)


def table(rows: list[RepoStatus]) -> str:
    grid = [COLUMNS, *(cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in grid
    ]
    return "\n".join(lines) + "\n" + summary(rows) + "\n"


def as_json(rows: list[RepoStatus]) -> str:
    return (
        json.dumps({"repositories": [asdict(row) for row in rows], "summary": _counts(rows)}, indent=2) + "\n"
    )


def markdown(rows: list[RepoStatus]) -> str:
    lines = ["# ci-gen fleet report", "", summary(rows), "", "| " + " | ".join(COLUMNS) + " |"]
    lines.append("|" + "---|" * len(COLUMNS))
    for row in rows:
        lines.append("| " + " | ".join(_escape(cell) for cell in cells(row)) + " |")
    problems = [row for row in rows if row.problem]
    if problems:
        lines += ["", "## Invalid specs", ""]
        lines += [f"- `{_escape(row.path)}`: {_escape(row.problem)}" for row in problems]
    return "\n".join(lines) + "\n"


def summary(rows: list[RepoStatus]) -> str:
    counts = _counts(rows)
    clean = counts.pop("clean")
    rest = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    return f"{len(rows)} repositories: {clean} clean" + (f"; {rest}" if rest else "")


def _counts(rows: list[RepoStatus]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for row in rows:
        if row.clean:
            counts["clean"] += 1
        elif row.spec != "valid":
            counts["invalid spec" if row.spec == "invalid" else row.spec] += 1
        elif row.drift != "up to date":
            counts[row.drift] += 1
        else:
            counts["doctor findings"] += 1
    counts.setdefault("clean", 0)
    return dict(counts)


def _escape(text: str) -> str:
    # Cells come from repositories the platform team does not write: keep them from breaking the table.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")
