"""`ci-gen lock`: write every lock file for the spec's Python, exactly as the CI check recompiles it."""

from __future__ import annotations

from collections.abc import Iterator

import click

from generator.cli.options import Invocation, project_command
from generator.errors import EXIT_OK
from generator.location import Location
from generator.locking.adopted import HashingDone, hash_adopted
from generator.locking.run import write_lock
from generator.project import load


@click.command("lock")
@project_command
@click.option(
    "--add-hashes",
    is_flag=True,
    help="Add hashes to the project's own pinned requirements files, keeping exactly their pins, "
    "and install them with --require-hashes from then on.",
)
def command(invocation: Invocation, add_hashes: bool) -> int:
    """(Re)compile the lock files with hashes (pip-compile or uv, as the spec says), for the spec's Python."""
    location, report = invocation.location, invocation.report
    loaded = load(location)
    if add_hashes:
        report.say(*_hashing(location, hash_adopted(loaded)))
        return EXIT_OK
    plan = loaded.plan
    for lock in plan.checked_locks:
        write_lock(location.root, plan.lock_tool, plan.python, lock, report.say)
    return EXIT_OK


def _hashing(location: Location, done: HashingDone) -> Iterator[str]:
    for item in done.files:
        if not item.changed:
            yield f"{item.path}: its pins and hashes are current (checked with {item.how})"
            continue
        added = f"; added {len(item.added)} pin(s) it lacked: {', '.join(item.added)}" if item.added else ""
        yield f"added hashes to {item.path}, keeping every pin, resolved with {item.how}{added}"
    for name in done.turned_on:
        yield f"{location.display(location.spec)}: hashes on for {name} (installed with --require-hashes)"
    if done.turned_on:
        yield "next: run `ci-gen generate` and commit the lock, the spec and the workflows"
