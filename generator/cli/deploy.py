"""`ci-gen deploy`: run one stage of the spec (basic, shadow or canary) and report the outcome."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click

from generator.cli.options import handle_errors, json_option, project_options, report_option
from generator.deploy.report import DeployReport, Event, markdown


@click.command("deploy")
@project_options
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
@click.option(
    "--traffic",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSONL request bodies to send through the router while judging (default: deploy.local.traffic).",
)
@click.option("--rate", type=click.IntRange(1, 1000), default=None, help="Requests per second of --traffic.")
@click.option(
    "--until-requests",
    type=click.IntRange(1),
    default=None,
    help="End each judging window early once the candidate has seen this many requests.",
)
@json_option
@report_option
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    stage: str,
    image: str | None,
    artifact: Path | None,
    version: str | None,
    traffic: Path | None,
    rate: int | None,
    until_requests: int | None,
    as_json: bool,
    report_path: Path | None,
) -> int:
    """Deploy a release through one stage; exit 0 promoted/passed, 1 rolled back, 2 bad input, 3 failure,
    4 cancelled by a signal (rolled back first)."""
    from generator.deploy.driver import DeployRequest, deploy
    from generator.deploy.signals import cancellable
    from generator.location import Location

    location = Location.find(directory, spec, templates)
    request = DeployRequest(location, stage, image, artifact, version, traffic, rate, until_requests)
    # A cancelled CI job gets SIGTERM: like Ctrl-C, it rolls the deploy back before exiting (exit 4).
    with cancellable():
        report = deploy(request, _printer(as_json))
    publish(report, as_json, report_path)
    return report.exit_code


def _printer(quiet: bool) -> Callable[[Event], None]:
    def emit(event: Event) -> None:
        # With --json, stdout carries only the JSON document; progress goes to stderr.
        click.echo(event.message, err=quiet)

    return emit


def publish(report: DeployReport, as_json: bool, report_path: Path | None) -> None:
    """Print the outcome, write the Markdown report where asked and into the job summary if there is one."""
    text = markdown(report)
    if report_path is not None:
        report_path.write_text(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    if as_json:
        click.echo(report.to_json())
        return
    colour = "green" if report.exit_code == 0 else "red"
    reason = f": {report.reason}" if report.reason else ""
    click.secho(f"{report.stage}: {report.outcome} {report.version}{reason}", fg=colour)
