"""`ci-gen init`: write a commented ci-gen.yaml for the repository."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, UsageError
from generator.init import SCHEMA_FILE, detect, spec_text
from generator.outputs import write_file
from generator.project import Location
from generator.spec.load import load_spec_text
from generator.spec.schema import spec_schema


@click.command("init")
@project_options
@click.option("--force", is_flag=True, help="Overwrite an existing spec.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the spec instead of writing it.")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    force: bool,
    to_stdout: bool,
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
    write_file(location.spec, text)
    click.echo(f"wrote {location.display(location.spec)} (python {found.python}, project {found.project})")
    schema_path = location.root / SCHEMA_FILE
    if force or not schema_path.exists():
        write_file(schema_path, json.dumps(spec_schema(), indent=2) + "\n")
        click.echo(f"wrote {location.display(schema_path)} (for editor completion; refresh: ci-gen schema)")
    for note in found.notes:
        click.echo(f"note: {note}")
    click.echo("next: review it, then run `ci-gen generate`")
    return EXIT_OK
