"""`ci-gen validate`: check the spec and the files it names; render and verify without writing."""

from __future__ import annotations

from collections.abc import Iterator

import click

from generator.cli.options import Invocation, project_command
from generator.errors import EXIT_OK
from generator.project import Rendering, lock_offers, lock_warnings, render_project


@click.command("validate")
@project_command
def command(invocation: Invocation) -> int:
    """Validate ci-gen.yaml and verify what it renders to. Writes nothing."""
    location, report = invocation.location, invocation.report
    rendering = render_project(location)
    report.say(f"{location.display(location.spec)} is valid.", *_summary(rendering))
    for warning in lock_warnings(rendering.loaded.plan, location.root):
        report.warn(warning)
    return EXIT_OK


def _summary(rendering: Rendering) -> Iterator[str]:
    plan = rendering.loaded.plan
    stages = " -> ".join(f"{s.name} ({s.strategy})" for s in plan.stages) or "none"
    locks = f"{', '.join(plan.lock_files)} ({plan.lock_tool})"
    yield f"  python {plan.python}; tests on {', '.join(plan.python_matrix)}; locks: {locks}"
    model, image = ("yes" if plan.model else "no"), ("yes" if plan.container else "no")
    yield f"  model: {model}; image: {image}; deploy: {stages}"
    yield f"  renders {len(rendering.outputs)} workflow file(s), all valid"
    yield from (f"  {offer}" for offer in lock_offers(plan))
