"""`ci-gen graph`: print the pipeline's job graph as a Mermaid flowchart."""

from __future__ import annotations

import click

from generator.cli.options import Invocation, project_command
from generator.cli.report import Line
from generator.errors import EXIT_OK
from generator.graph import job_graph, mermaid
from generator.project import render_project


@click.command("graph")
@project_command
def command(invocation: Invocation) -> int:
    """Print the job graph (Mermaid `flowchart LR`) of the workflows ci-gen.yaml renders to."""
    rendering = render_project(invocation.location)
    strategies = {stage.name: stage.strategy for stage in rendering.loaded.plan.stages}
    invocation.report.say(Line(mermaid(job_graph(rendering.outputs, strategies)), nl=False))
    return EXIT_OK
