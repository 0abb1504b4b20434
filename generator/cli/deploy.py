"""`ci-gen deploy`: run one stage of the spec (basic, shadow or canary) and report the outcome."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, file_option, json_option, project_command, report_option
from generator.cli.report import Line
from generator.deploy.report import headline, publish_markdown


@click.command("deploy")
@project_command
@click.option("--stage", "stage", required=True, help="The stage to run (deploy.stages[].name).")
@click.option("--image", default=None, help="Image to deploy, NAME@sha256:DIGEST (podman/docker runtime).")
@click.option(
    "--artifact",
    type=click.Path(path_type=Path),
    default=None,
    help="Model to deploy (process runtime); passed to the serve command as MODEL_PATH.",
)
@click.option(
    "--version", "version", default=None, help="Name of the artifact's version (default: its digest)."
)
@file_option(
    "--traffic",
    help="JSONL request bodies to send through the router while judging (default: deploy.local.traffic).",
)
@click.option("--rate", type=click.IntRange(1, 1000), default=None, help="Requests per second of --traffic.")
@click.option(
    "--until-requests",
    type=click.IntRange(1),
    default=None,
    help="End each judging window early once the candidate has seen this many requests.",
)
@json_option()
@report_option()
def command(
    invocation: Invocation,
    stage: str,
    image: str | None,
    artifact: Path | None,
    version: str | None,
    traffic: Path | None,
    rate: int | None,
    until_requests: int | None,
    report_path: Path | None,
) -> int:
    """Deploy a release through one stage; exit 0 promoted/passed, 1 rolled back, 2 bad input, 3 failure,
    4 cancelled by a signal (rolled back first)."""
    from generator.deploy.driver import DeployRequest, deploy
    from generator.deploy.signals import cancellable

    request = DeployRequest(
        invocation.location, stage, image, artifact, version, traffic, rate, until_requests
    )
    # A cancelled CI job gets SIGTERM: like Ctrl-C, it rolls the deploy back before exiting (exit 4).
    with cancellable():
        report = deploy(request, invocation.report.event)
    publish_markdown(report, report_path)
    colour = "green" if report.exit_code == 0 else "red"
    invocation.report.result(report.to_json(), [Line(headline(report), colour)])
    return report.exit_code
