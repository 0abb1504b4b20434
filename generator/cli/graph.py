"""`ci-gen graph`: print the pipeline's job graph as a Mermaid flowchart."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK
from generator.graph import job_graph, mermaid
from generator.location import Location
from generator.project import render_project


@click.command("graph")
@project_options
@handle_errors
def command(directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool) -> int:
    """Print the job graph (Mermaid `flowchart LR`) of the workflows ci-gen.yaml renders to."""
    location = Location.find(directory, spec, templates)
    rendering = render_project(location)
    strategies = {stage.name: stage.strategy for stage in rendering.loaded.plan.stages}
    click.echo(mermaid(job_graph(rendering.outputs, strategies)), nl=False)
    return EXIT_OK
