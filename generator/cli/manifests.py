"""`ci-gen manifests`: write a stage's Kubernetes manifests without applying them (for Argo CD or Flux)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK


@click.command("manifests")
@project_options
@click.option("--stage", required=True, help="The stage whose environment to render (deploy.stages[].name).")
@click.option("--image", required=True, help="The stable release, NAME@sha256:DIGEST.")
@click.option("--candidate", default=None, help="Also render a candidate track running this image.")
@click.option(
    "--weight", type=click.IntRange(0, 100), default=0, help="Candidate's percent of users (canary)."
)
@click.option(
    "--mirror", type=click.IntRange(0, 100), default=0, help="Percent of requests copied to the candidate."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one file per object here instead of a YAML stream to stdout.",
)
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    stage: str,
    image: str,
    candidate: str | None,
    weight: int,
    mirror: int,
    out: Path | None,
) -> int:
    """Render the Deployments, Services and HTTPRoute of one stage's environment, checked, not applied."""
    from generator.deploy.targets.kubernetes.export import ManifestRequest, render_manifests, stream, write
    from generator.location import Location
    from generator.project import load

    loaded = load(Location.find(directory, spec, templates))
    manifests = render_manifests(loaded, ManifestRequest(stage, image, candidate, weight, mirror))
    if out is None:
        click.echo("".join(stream(manifests)), nl=False)
        return EXIT_OK
    for path in write(manifests, out):
        click.echo(f"wrote {path}", err=True)
    return EXIT_OK
