"""`ci-gen schema`: print the JSON Schema of ci-gen.yaml, for editors and other tools."""

from __future__ import annotations

import json

import click

from generator.cli.options import debug_option, handle_errors
from generator.errors import EXIT_OK
from generator.spec.schema import spec_schema


@click.command("schema")
@debug_option
@handle_errors
def command(debug: bool) -> int:
    """Print the JSON Schema of ci-gen.yaml."""
    click.echo(json.dumps(spec_schema(), indent=2, sort_keys=False))
    return EXIT_OK
