"""`ci-gen schema`: print the JSON Schema of ci-gen.yaml, for editors and other tools."""

from __future__ import annotations

import click

from generator.cli.options import debug_option, handle_errors
from generator.cli.report import Line, Reporter
from generator.errors import EXIT_OK
from generator.spec.schema import spec_schema


@click.command("schema")
@click.option("--markdown", is_flag=True, help="Print the spec reference as a Markdown table instead.")
@debug_option
@handle_errors
def command(debug: bool, markdown: bool) -> int:
    """Print the JSON Schema of ci-gen.yaml (for editors: save it and point yaml-language-server at it)."""
    if markdown:
        from generator.spec.reference import reference_markdown

        Reporter().say(Line(reference_markdown(), nl=False))
        return EXIT_OK
    Reporter(as_json=True).result(spec_schema())
    return EXIT_OK
