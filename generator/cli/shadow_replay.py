"""`ci-gen shadow-replay`: a shadow verdict from recorded requests, with no live traffic at all."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import Invocation, file_option, json_option, project_command, report_option
from generator.cli.report import Line


@click.command("shadow-replay")
@project_command
@file_option(
    "--requests",
    "requests_file",
    help="JSONL file, one request body per line (e.g. samples/requests.jsonl).",
    required=True,
)
@click.option(
    "--stable-url",
    default=None,
    help="Stable's predict URL on 127.0.0.1, e.g. http://127.0.0.1:8000/predict.",
)
@click.option("--candidate-url", default=None, help="The candidate's predict URL on 127.0.0.1.")
@click.option(
    "--stable",
    "stable_release",
    default=None,
    help="Instead of a URL: an image (container runtime) or artifact (process runtime) to start.",
)
@click.option("--candidate", "candidate_release", default=None, help="The same for the candidate.")
@click.option("--stage", default=None, help="Judge with this stage's gates (default: the default gates).")
@click.option("--repeat", type=click.IntRange(1, 1000), default=1, help="Send the file this many times.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, help="Requests in flight per side.")
@click.option(
    "--min-requests", type=click.IntRange(0), default=None, help="Override the gates' min-requests."
)
@json_option()
@report_option()
def command(
    invocation: Invocation,
    requests_file: Path,
    stable_url: str | None,
    candidate_url: str | None,
    stable_release: str | None,
    candidate_release: str | None,
    stage: str | None,
    repeat: int,
    concurrency: int,
    min_requests: int | None,
    report_path: Path | None,
) -> int:
    """Compare a candidate with stable on recorded requests (errors, latency, agreement).

    Exit 0 when the gates pass, 1 when they fail."""
    from generator.deploy.replay_command import ReplayRequest, run_replay
    from generator.deploy.report import headline, publish_markdown

    request = ReplayRequest(
        invocation.location,
        requests_file,
        stable_url,
        candidate_url,
        stable_release,
        candidate_release,
        stage,
        repeat,
        concurrency,
        min_requests,
    )
    report = run_replay(request, invocation.report.event)
    publish_markdown(report, report_path)
    colour = "green" if report.exit_code == 0 else "red"
    invocation.report.result(report.to_json(), [Line(headline(report), colour)])
    return report.exit_code
