"""`ci-gen track`: log the model job's run to MLflow (the model job runs it after the gates)."""

from __future__ import annotations

import click

from generator.cli.options import Invocation, project_command
from generator.errors import EXIT_OK


@click.command("track")
@project_command
@click.option("--register", is_flag=True, help="Also register the run as a new model version.")
def command(invocation: Invocation, register: bool) -> int:
    """Log parameters, metrics, artifacts and lineage tags to MLflow (model.tracking of the spec)."""
    from generator.tracking.track import track, write_summary

    text = write_summary(track(invocation.location, register=register))
    invocation.report.say(text)
    return EXIT_OK
