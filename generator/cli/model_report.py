"""`ci-gen model-report`: judge the trained model's metrics against its gates and the champion."""

from __future__ import annotations

import os
from pathlib import Path

import click

from generator.cli.options import handle_errors, json_option, project_options


@click.command("model-report")
@project_options
@click.option(
    "--champion-source",
    "source",
    type=click.Choice(["auto", "github", "state"]),
    default="auto",
    show_default=True,
    help="Where the champion comes from: auto takes GitHub's artifacts on Actions (with GITHUB_TOKEN), "
    "else the stage's deploy state folder.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for report.md, comment.md (the pull-request comment) and report.json.",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 whatever the verdict (report.json's `passed` says it; a later step enforces it).",
)
@json_option
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    source: str,
    out: Path | None,
    exit_zero: bool,
    as_json: bool,
) -> int:
    """Judge the model's metrics: gates, absolute or against the champion (the model a stage serves).

    Writes the report (candidate, champion, delta, gate, verdict) to the job summary. Exit 0 when the
    gates pass, 1 when they fail."""
    import json

    from generator.location import Location
    from generator.model.command import ReportRequest, model_report
    from generator.model.report import as_json as report_json
    from generator.model.report import markdown

    report = model_report(
        ReportRequest(Location.find(directory, spec, templates), source, out),
        lambda event: click.echo(event.message, err=True),
    )
    text = markdown(report)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    click.echo(json.dumps(report_json(report), indent=2) if as_json else text)
    return 0 if report.passed or exit_zero else 1
