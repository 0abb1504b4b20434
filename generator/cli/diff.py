"""`ci-gen diff`: show what `generate` would change, as a unified diff."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.outputs import State, compare
from generator.project import Location, render_project


@click.command("diff")
@project_options
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences.")
@handle_errors
def command(
    directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool, exit_code: bool
) -> int:
    """Print the unified diff between .github/workflows and what ci-gen.yaml renders to."""
    location = Location.find(directory, spec, templates)
    rendering = render_project(location)
    changed = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    for state in changed:
        click.echo(state.diff, nl=False)
    return EXIT_FAILED if changed and exit_code else EXIT_OK
