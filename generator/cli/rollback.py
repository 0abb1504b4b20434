"""`ci-gen rollback`: stop a stage's candidate and put all traffic back on stable, by hand."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.deploy.report import Event
from generator.errors import EXIT_OK


@click.command("rollback")
@project_options
@click.option("--stage", required=True, help="The stage whose environment to restore.")
@click.option(
    "--down", is_flag=True, help="Stop everything in the environment instead (stable and router too)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    stage: str,
    down: bool,
    as_json: bool,
) -> int:
    """Restore stable: no candidate, no mirror, all users on the stable version. Refuses at once (exit 3,
    naming the deploy's pid) while a deploy holds the environment; stop that deploy first."""
    from generator.deploy.control import rollback
    from generator.location import Location

    def emit(event: Event) -> None:
        click.echo(event.message, err=as_json)

    result = rollback(Location.find(directory, spec, templates), stage, emit, down=down)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    return EXIT_OK
