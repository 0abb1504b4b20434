"""`ci-gen validate`: check the spec and the files it names; render and verify without writing."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK
from generator.project import Location, lock_offers, lock_warnings, render_project


@click.command("validate")
@project_options
@handle_errors
def command(directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool) -> int:
    """Validate ci-gen.yaml and verify what it renders to. Writes nothing."""
    location = Location.find(directory, spec, templates)
    rendering = render_project(location)
    plan = rendering.loaded.plan
    stages = " -> ".join(f"{s.name} ({s.strategy})" for s in plan.stages) or "none"
    click.echo(f"{location.display(location.spec)} is valid.")
    locks = f"{', '.join(plan.lock_files)} ({plan.lock_tool})"
    click.echo(f"  python {plan.python}; tests on {', '.join(plan.python_matrix)}; locks: {locks}")
    model, image = ("yes" if plan.model else "no"), ("yes" if plan.container else "no")
    click.echo(f"  model: {model}; image: {image}; deploy: {stages}")
    click.echo(f"  renders {len(rendering.outputs)} workflow file(s), all valid")
    for offer in lock_offers(plan):
        click.echo(f"  {offer}")
    for warning in lock_warnings(plan, location.root):
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return EXIT_OK
