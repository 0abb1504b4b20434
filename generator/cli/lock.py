"""`ci-gen lock`: write every lock file for the spec's Python, exactly as the CI check recompiles it."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, DeployError
from generator.locking.adopted import HashingDone, hash_adopted
from generator.locking.run import compile_command, run, uv_lock_command
from generator.plan import Lock
from generator.project import ADD_HASHES, Location, load


@click.command("lock")
@project_options
@click.option(
    "--add-hashes",
    is_flag=True,
    help="Add hashes to the project's own pinned requirements files, keeping exactly their pins, "
    "and install them with --require-hashes from then on.",
)
@handle_errors
def command(
    directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool, add_hashes: bool
) -> int:
    """(Re)compile the lock files with hashes (pip-compile or uv, as the spec says), for the spec's Python."""
    location = Location.find(directory, spec, templates)
    loaded = load(location)
    if add_hashes:
        _report_hashing(location, hash_adopted(loaded))
        return EXIT_OK
    plan = loaded.plan
    for lock in plan.checked_locks:
        lock_one(location.root, plan.lock_tool, plan.python, lock)
    return EXIT_OK


def _report_hashing(location: Location, done: HashingDone) -> None:
    for item in done.files:
        if not item.changed:
            click.echo(f"{item.path}: its pins and hashes are current (checked with {item.how})")
            continue
        added = f"; added {len(item.added)} pin(s) it lacked: {', '.join(item.added)}" if item.added else ""
        click.echo(f"added hashes to {item.path}, keeping every pin, resolved with {item.how}{added}")
    for name in done.turned_on:
        click.echo(
            f"{location.display(location.spec)}: hashes on for {name} (installed with --require-hashes)"
        )
    if done.turned_on:
        click.echo("next: run `ci-gen generate` and commit the lock, the spec and the workflows")


def lock_one(root: Path, tool: str, python: str, lock: Lock) -> None:
    """Write one lock (or say why an adopted one is kept), naming the Python it was made for."""
    if lock.kind == "pinned":
        hashes = "" if lock.hashes else f" (no hashes: installed unverified; {ADD_HASHES})"
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
