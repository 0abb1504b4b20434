"""`ci-gen monitor`: drift of a stage's logged traffic from the serving model's reference profile."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, file_option, folder_option, json_option, project_command


@click.command("monitor")
@project_command
@click.option("--stage", default=None, help="Read this stage's prediction log (its stable track).")
@file_option("--log", help="Read this prediction log file instead (JSON lines, as the service writes them).")
@file_option(
    "--profile", help="The reference profile (default: beside the serving artifact, else monitor.profile)."
)
@click.option(
    "--window",
    type=click.IntRange(1),
    default=86400,
    show_default=True,
    help="Seconds of pod logs to read (kubernetes target).",
)
@folder_option("--report-dir", help="Write report.md, report.json and a PNG chart per drifted feature here.")
@json_option()
def command(
    invocation: Invocation,
    stage: str | None,
    log: Path | None,
    profile: Path | None,
    window: int,
    report_dir: Path | None,
) -> int:
    """Measure drift (PSI, KS, chi-squared); exit 0 no drift, 1 drift or too few rows, 2 bad input."""
    from generator.monitor import report as reports
    from generator.monitor.run import MonitorRequest, publish, run_monitor

    result = run_monitor(MonitorRequest(invocation.location, stage, log, profile, window))
    invocation.report.result(publish(result, report_dir), [reports.text(result.report)])
    return result.exit_code
