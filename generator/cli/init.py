"""`ci-gen init`: write a commented ci-gen.yaml for the repository, and the locks it needs to run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, UsageError
from generator.init import SCHEMA_FILE, Detected, detect, gitignore_text, spec_text
from generator.outputs import write_file
from generator.project import Location, load
from generator.spec.load import load_spec_text
from generator.spec.schema import spec_schema


@click.command("init")
@project_options
@click.option("--force", is_flag=True, help="Overwrite an existing spec.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the spec instead of writing it.")
@click.option("--no-lock", is_flag=True, help="Do not compile missing locks (run `ci-gen lock` later).")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    force: bool,
    to_stdout: bool,
    no_lock: bool,
) -> int:
    """Detect the project's layout and write a commented ci-gen.yaml."""
    location = Location.find(directory, spec, templates)
    found = detect(location.root)
    text = spec_text(found)
    load_spec_text(text, location.display(location.spec))  # never write a spec we would reject
    if to_stdout:
        click.echo(text, nl=False)
        return EXIT_OK
    if location.spec.exists() and not force:
        raise UsageError(
            f"{location.display(location.spec)} already exists", hint="pass --force to overwrite it"
        )
    _write_all(location, found, text, force)
    for note in found.notes:
        click.echo(f"note: {note}")
    if not no_lock:
        _lock_missing(location, set(found.files))
    click.echo("next: review it, then run `ci-gen generate`")
    return EXIT_OK


def _write_all(location: Location, found: Detected, text: str, force: bool) -> None:
    for name, content in found.files.items():
        if not (location.root / name).exists():
            write_file(location.root / name, content)
            click.echo(f"wrote {location.display(location.root / name)}")
    write_file(location.spec, text)
    click.echo(f"wrote {location.display(location.spec)} (python {found.python}, project {found.project})")
    schema_path = location.root / SCHEMA_FILE
    if force or not schema_path.exists():
        write_file(schema_path, json.dumps(spec_schema(), indent=2) + "\n")
        click.echo(f"wrote {location.display(schema_path)} (for editor completion; refresh: ci-gen schema)")
    ignore = gitignore_text(location.root)
    if ignore is not None:
        write_file(location.root / ".gitignore", ignore)
        click.echo(f"added .ci-gen-state/ to {location.display(location.root / '.gitignore')}")


def _lock_missing(location: Location, created: set[str]) -> None:
    """Compile the locks that do not exist yet or whose input init just wrote: the lock job then passes."""
    from generator.cli.lock import lock_one  # the same code path as `ci-gen lock`

    plan = load(location).plan
    for lock in plan.checked_locks:
        missing = not (location.root / lock.output).is_file()
        if lock.kind == "compile" and (missing or lock.input in created):
            lock_one(location.root, plan.lock_tool, plan.python, lock)
