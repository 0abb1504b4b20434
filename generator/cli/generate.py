"""`ci-gen generate`: render, verify, then write the workflows atomically."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK
from generator.outputs import State, compare, write
from generator.project import Location, lock_warnings, render_project

VERBS = {
    State.MISSING: "created",
    State.STALE: "updated",
    State.EDITED: "overwrote hand edits in",
    State.ORPHANED: "deleted",
}
DRY_VERBS = {
    State.MISSING: "would create",
    State.STALE: "would update",
    State.EDITED: "would overwrite hand edits in",
    State.ORPHANED: "would delete",
}


@click.command("generate")
@project_options
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@handle_errors
def command(
    directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool, dry_run: bool
) -> int:
    """Write .github/workflows from ci-gen.yaml (only files that changed)."""
    location = Location.find(directory, spec, templates)
    rendering = render_project(location)
    if dry_run:
        changes = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    else:
        changes = write(location.root, rendering.outputs)
    verbs = DRY_VERBS if dry_run else VERBS
    for change in changes:
        click.echo(f"{verbs[change.state]} {change.path}")
    if not changes:
        click.echo(f"{len(rendering.outputs)} workflow file(s) already up to date")
    for warning in lock_warnings(rendering.loaded.plan, location.root):
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return EXIT_OK
