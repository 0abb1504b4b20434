"""`ci-gen profile`: write the reference profile of the training data (the model job runs it)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, file_option, json_option, project_command, report_option
from generator.errors import EXIT_OK


@click.command("profile")
@project_command
@file_option("--output", "-o", help="Where to write it (default: monitor.profile of the spec).")
@report_option("Append a Markdown summary of the profile to this file.")
@json_option("Also print the profile as JSON.")
def command(invocation: Invocation, output: Path | None, report_path: Path | None) -> int:
    """Profile monitor.reference (per feature: type, quantiles or frequencies, missing share)."""
    from generator.monitor.run import make_profile

    location, report = invocation.location, invocation.report
    built, path = make_profile(location, output, summary=report_path)
    report.result(built.as_json(), indent=1, sort_keys=True)
    kinds = ", ".join(f"{f.name} ({f.kind})" for f in built.features)
    report.progress(
        f"wrote {location.display(path)}: {built.rows} rows; {kinds}; prediction "
        f"{built.prediction.name} ({built.prediction.kind})"
    )
    return EXIT_OK
