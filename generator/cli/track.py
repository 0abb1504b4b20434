"""`ci-gen track`: log the model job's run to MLflow (the model job runs it after the gates)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK


@click.command("track")
@project_options
@click.option("--register", is_flag=True, help="Also register the run as a new model version.")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    register: bool,
) -> int:
    """Log parameters, metrics, artifacts and lineage tags to MLflow (model.tracking of the spec)."""
    from generator.location import Location
    from generator.tracking.report import markdown
    from generator.tracking.track import track

    tracked = track(Location.find(directory, spec, templates), register=register)
    text = markdown(tracked)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    click.echo(text)
    return EXIT_OK
