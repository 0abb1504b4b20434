"""`ci-gen manifests`: write a stage's Kubernetes manifests without applying them (for Argo CD or Flux)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, folder_option, project_command
from generator.cli.report import Line
from generator.errors import EXIT_OK


@click.command("manifests")
@project_command
@click.option("--stage", required=True, help="The stage whose environment to render (deploy.stages[].name).")
@click.option("--image", required=True, help="The stable release, NAME@sha256:DIGEST.")
@click.option("--candidate", default=None, help="Also render a candidate track running this image.")
@click.option(
    "--weight", type=click.IntRange(0, 100), default=0, help="Candidate's percent of users (canary)."
)
@click.option(
    "--mirror", type=click.IntRange(0, 100), default=0, help="Percent of requests copied to the candidate."
)
@folder_option("--out", help="Write one file per object here instead of a YAML stream to stdout.")
def command(
    invocation: Invocation,
    stage: str,
    image: str,
    candidate: str | None,
    weight: int,
    mirror: int,
    out: Path | None,
) -> int:
    """Render the Deployments, Services and HTTPRoute of one stage's environment, checked, not applied."""
    from generator.deploy.targets.kubernetes.export import ManifestRequest, render_manifests, stream, write
    from generator.project import load

    loaded = load(invocation.location)
    manifests = render_manifests(loaded, ManifestRequest(stage, image, candidate, weight, mirror))
    if out is None:
        invocation.report.say(Line("".join(stream(manifests)), nl=False))
        return EXIT_OK
    invocation.report.say(*(Line(f"wrote {path}", err=True) for path in write(manifests, out)))
    return EXIT_OK
