"""`ci-gen generate`: render, verify, then write the workflows atomically."""

from __future__ import annotations

import click

from generator.cli.options import Invocation, project_command
from generator.errors import EXIT_OK
from generator.outputs import State, compare, write
from generator.project import lock_warnings, render_project

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
@project_command
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
def command(invocation: Invocation, dry_run: bool) -> int:
    """Write .github/workflows from ci-gen.yaml (only files that changed)."""
    location, report = invocation.location, invocation.report
    rendering = render_project(location)
    if dry_run:
        changes = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    else:
        changes = write(location.root, rendering.outputs)
    verbs = DRY_VERBS if dry_run else VERBS
    report.say(*(f"{verbs[change.state]} {change.path}" for change in changes))
    if not changes:
        report.say(f"{len(rendering.outputs)} workflow file(s) already up to date")
    for warning in lock_warnings(rendering.loaded.plan, location.root):
        report.warn(warning)
    return EXIT_OK
