"""`ci-gen rollback`: stop a stage's candidate and put all traffic back on stable, by hand."""

from __future__ import annotations

import click

from generator.cli.options import Invocation, json_option, project_command
from generator.errors import EXIT_OK


@click.command("rollback")
@project_command
@click.option("--stage", required=True, help="The stage whose environment to restore.")
@click.option(
    "--down", is_flag=True, help="Stop everything in the environment instead (stable and router too)."
)
@json_option("Print the result as JSON.")
def command(invocation: Invocation, stage: str, down: bool) -> int:
    """Restore stable: no candidate, no mirror, all users on the stable version. Refuses at once (exit 3,
    naming the deploy's pid) while a deploy holds the environment; stop that deploy first."""
    from generator.deploy.control import rollback

    report = invocation.report
    result = rollback(invocation.location, stage, report.event, down=down)
    report.result(result, sort_keys=True)
    return EXIT_OK
