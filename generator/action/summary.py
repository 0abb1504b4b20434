"""The Markdown the Action writes to the job summary: one section per run, built from plain values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from generator.markdown import md_code, md_text

_BACKTICKS = re.compile(r"`+")


@dataclass(frozen=True)
class Drifted:
    """One generated file that does not match the spec: its path (from the repository root) and why."""

    path: str
    state: str
    why: str
    diff: str


def check_report(spec: str, drift: Sequence[Drifted], fix: str, graph: str | None) -> str:
    """The drift check: up to date, or a table of files, the fix command and the unified diff."""
    if not drift:
        heading = f"## ci-gen check: workflows are up to date with {code(spec)}"
        return "\n".join([heading, "", *graph_section(graph)])
    count = f"{len(drift)} workflow file{'s' if len(drift) != 1 else ''}"
    lines = [
        f"## ci-gen check: {count} drifted from {code(spec)}",
        "",
        "| file | state | why |",
        "|---|---|---|",
    ]
    lines += [f"| {code(item.path)} | {md_text(item.state)} | {md_text(item.why)} |" for item in drift]
    lines += ["", f"**Fix:** run {code(fix)} and commit the result.", ""]
    lines += ["<details><summary>Unified diff</summary>", "", fenced("".join(d.diff for d in drift), "diff")]
    lines += ["</details>", "", *graph_section(graph)]
    return "\n".join(lines)


def generate_report(spec: str, files: Sequence[str]) -> str:
    if not files:
        return f"## ci-gen generate: workflows already up to date with {code(spec)}\n"
    count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
    lines = [f"## ci-gen generate: {count} changed from {code(spec)}", ""]
    lines += [f"- {code(path)}" for path in files]
    return "\n".join([*lines, "", "Commit these files so the drift check passes."]) + "\n"


def output_report(command: str, code_: int, output: str) -> str:
    """For commands that wrote no report of their own: their output, verbatim."""
    status = "succeeded" if code_ == 0 else f"failed (exit {code_})"
    return f"## ci-gen {command} {status}\n\n{fenced(output, 'text')}"


def graph_section(graph: str | None) -> list[str]:
    if graph is None:
        return []
    return ["### Job graph", "", fenced(graph, "mermaid")]


def fenced(text: str, language: str) -> str:
    """A code block whose fence is longer than any run of backticks inside, so nothing can close it early."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{language}\n{body}{fence}\n"


def code(text: str) -> str:
    """An inline code span that also survives a table cell (line breaks shown as escapes)."""
    return md_code(text)
