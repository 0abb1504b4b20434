"""`ci-gen diff`: show what `generate` would change, as a unified diff."""

from __future__ import annotations

import click

from generator.cli.options import Invocation, project_command
from generator.cli.report import Line
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.outputs import State, compare
from generator.project import render_project


@click.command("diff")
@project_command
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences.")
def command(invocation: Invocation, exit_code: bool) -> int:
    """Print the unified diff between .github/workflows and what ci-gen.yaml renders to."""
    location = invocation.location
    rendering = render_project(location)
    changed = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    invocation.report.say(*(Line(state.diff, nl=False) for state in changed))
    return EXIT_FAILED if changed and exit_code else EXIT_OK
