"""`ci-gen init`: write a commented ci-gen.yaml for the repository, and the locks it needs to run."""

from __future__ import annotations

import click

from generator.cli.options import Invocation, project_command
from generator.cli.report import Line
from generator.errors import EXIT_OK, UsageError
from generator.init import detect, spec_text
from generator.init_files import lock_missing, write_all
from generator.spec.load import load_spec_text


@click.command("init")
@project_command
@click.option("--force", is_flag=True, help="Overwrite an existing spec.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the spec instead of writing it.")
@click.option("--no-lock", is_flag=True, help="Do not compile missing locks (run `ci-gen lock` later).")
def command(invocation: Invocation, force: bool, to_stdout: bool, no_lock: bool) -> int:
    """Detect the project's layout and write a commented ci-gen.yaml."""
    location, say = invocation.location, invocation.report.say
    found = detect(location.root)
    text = spec_text(found)
    load_spec_text(text, location.display(location.spec))  # never write a spec we would reject
    if to_stdout:
        invocation.report.say(Line(text, nl=False))
        return EXIT_OK
    if location.spec.exists() and not force:
        raise UsageError(
            f"{location.display(location.spec)} already exists", hint="pass --force to overwrite it"
        )
    write_all(location, found, text, force, say)
    say(*(f"note: {note}" for note in found.notes))
    if not no_lock:
        lock_missing(location, set(found.files), say)
    say("next: review it, then run `ci-gen generate`")
    return EXIT_OK
