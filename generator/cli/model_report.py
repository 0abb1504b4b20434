"""`ci-gen model-report`: judge the trained model's metrics against its gates and the champion."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, folder_option, json_option, project_command
from generator.markdown import add_to_job_summary


@click.command("model-report")
@project_command
@click.option(
    "--champion-source",
    "source",
    type=click.Choice(["auto", "mlflow", "github", "state"]),
    default="auto",
    show_default=True,
    help="Where the champion comes from: auto takes the MLflow registry when tracking reaches one, else "
    "GitHub's artifacts on Actions (with GITHUB_TOKEN), else the stage's deploy state folder.",
)
@folder_option("--out", help="Folder for report.md, comment.md (the pull-request comment) and report.json.")
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 whatever the verdict (report.json's `passed` says it; a later step enforces it).",
)
@json_option()
def command(invocation: Invocation, source: str, out: Path | None, exit_zero: bool) -> int:
    """Judge the model's metrics: gates, absolute or against the champion (the model a stage serves).

    Writes the report (candidate, champion, delta, gate, verdict) to the job summary. Exit 0 when the
    gates pass, 1 when they fail."""
    from generator.model.command import ReportRequest, model_report
    from generator.model.report import as_json, markdown

    report = model_report(ReportRequest(invocation.location, source, out), invocation.report.event)
    text = markdown(report)
    add_to_job_summary(text)
    invocation.report.result(as_json(report), [text.rstrip("\n")])
    return 0 if report.passed or exit_zero else 1
