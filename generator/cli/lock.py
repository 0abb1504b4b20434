"""`ci-gen lock`: write every lock file for the spec's Python, exactly as the CI check recompiles it."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, DeployError
from generator.locking.run import compile_command, run, uv_lock_command
from generator.plan import Lock
from generator.project import Location, load


@click.command("lock")
@project_options
@handle_errors
def command(directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool) -> int:
    """(Re)compile the lock files with hashes (pip-compile or uv, as the spec says), for the spec's Python."""
    location = Location.find(directory, spec, templates)
    plan = load(location).plan
    for lock in plan.checked_locks:
        lock_one(location.root, plan.lock_tool, plan.python, lock)
    return EXIT_OK


def lock_one(root: Path, tool: str, python: str, lock: Lock) -> None:
    """Write one lock (or say why an adopted one is kept), naming the Python it was made for."""
    if lock.kind == "pinned":
        hashes = "" if lock.hashes else " (no hashes: installed unverified; rename it to .in to lock it)"
        click.echo(f"{lock.output} is the project's own pinned lock; kept as it is{hashes}")
        return
    if lock.kind == "uv-lock":
        command = uv_lock_command(lock.job, check=False)
    else:
        command = compile_command(tool, python, lock.job, lock.output)
    click.echo(f"locking {lock.output} from {lock.input} with {command.how}")
    outcome = run(command, root)
    if not outcome.ok:
        raise DeployError(f"locking {lock.output} failed: {outcome.stderr[-800:]}")
