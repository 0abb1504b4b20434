"""`ci-gen monitor`: drift of a stage's logged traffic from the serving model's reference profile."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from generator.cli.options import handle_errors, json_option, project_options


@click.command("monitor")
@project_options
@click.option("--stage", default=None, help="Read this stage's prediction log (its stable track).")
@click.option(
    "--log",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read this prediction log file instead (JSON lines, as the service writes them).",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The reference profile (default: beside the serving artifact, else monitor.profile).",
)
@click.option(
    "--window",
    type=click.IntRange(1),
    default=86400,
    show_default=True,
    help="Seconds of pod logs to read (kubernetes target).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write report.md, report.json and a PNG chart per drifted feature here.",
)
@json_option
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    stage: str | None,
    log: Path | None,
    profile: Path | None,
    window: int,
    report_dir: Path | None,
    as_json: bool,
) -> int:
    """Measure drift (PSI, KS, chi-squared); exit 0 no drift, 1 drift or too few rows, 2 bad input."""
    from generator.location import Location
    from generator.monitor import report as reports
    from generator.monitor.run import MonitorRequest, run_monitor

    request = MonitorRequest(Location.find(directory, spec, templates), stage, log, profile, window)
    result = run_monitor(request)
    charts = reports.charts(result.report, report_dir) if report_dir else {}
    document = {
        **reports.as_json(result.report, charts),
        "log": result.origin,
        "profile": str(result.profile),
    }
    markdown = reports.markdown(result.report, charts)
    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "report.md").write_text(markdown, encoding="utf-8")
        (report_dir / "report.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    click.echo(json.dumps(document, indent=2) if as_json else reports.text(result.report))
    return result.exit_code
