"""`ci-gen reproduce VERSION|RUN_ID`: rebuild a recorded model run and compare its metrics."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, folder_option, json_option, project_command
from generator.cli.report import Line
from generator.errors import EXIT_FAILED, EXIT_OK


@click.command("reproduce")
@project_command
@click.argument("ref")
@folder_option("--workdir", help="Keep the checkout's venv in DIR (default: a temporary folder, removed).")
@json_option("Print the comparison as JSON.")
def command(invocation: Invocation, ref: str, workdir: Path | None) -> int:
    """Check out the commit model version REF (or run REF) was trained from, install its locks under its
    Python, retrain, and compare the metrics within model.tracking.tolerance (exit 1 if not reproduced)."""
    from generator.tracking.reproduce import reproduce

    report = invocation.report
    result = reproduce(invocation.location, ref, report.progress, workdir)
    lines = [Line(check.text) for check in result.checks]
    verdict = Line("reproduced", "green") if result.ok else Line("NOT reproduced", "red")
    report.result(result.as_json(), [*lines, verdict])
    return EXIT_OK if result.ok else EXIT_FAILED
