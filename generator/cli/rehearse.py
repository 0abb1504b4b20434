"""`ci-gen rehearse [JOB ...]`: run the generated jobs locally and print each step, then a summary table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from generator.cli.options import Invocation, folder_option, project_command, repeated_option
from generator.cli.report import Line
from generator.errors import EXIT_FAILED, EXIT_OK, UsageError
from generator.rehearse import (
    Event,
    JobFinished,
    JobStarted,
    Notice,
    Outcome,
    RehearsalRequest,
    RehearsalResult,
    StepFinished,
    rehearse,
)
from generator.rehearse.environment import EVENTS
from generator.rehearse.timing import critical_path

MARKS = {Outcome.SUCCESS: "ok", Outcome.FAILURE: "FAIL", Outcome.SKIPPED: "skip", Outcome.NOT_RUN: "-"}


def _pairs(values: tuple[str, ...], option: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        name, equals, rest = value.partition("=")
        if not equals or not name:
            raise UsageError(f"{option} {value}: expected NAME=VALUE")
        pairs.append((name, rest))
    return tuple(pairs)


@click.command("rehearse")
@project_command
@click.argument("jobs", nargs=-1)
@click.option(
    "--event",
    type=click.Choice(EVENTS),
    default="pull_request",
    show_default=True,
    help="The event to rehearse; on pull_request, the push steps and deploy jobs are skipped by their `if:`.",
)
@click.option(
    "--ref", default=None, help="github.ref (default: the deploy branch for push, the PR merge ref)."
)
@repeated_option(
    "--matrix",
    "matrix",
    metavar="KEY=VALUE",
    help="Run only matrix combinations with this value, e.g. python=3.11 (repeatable).",
)
@repeated_option(
    "--workflow",
    "workflows",
    metavar="FILE",
    help="Workflow file in .github/workflows (default: every generated one the event triggers).",
)
@folder_option("--workdir", help="Keep the scratch copy, logs and artifacts in DIR (emptied first).")
@click.option("--keep", is_flag=True, help="Keep the temporary folder instead of removing it.")
@repeated_option(
    "--build-arg",
    "build_args",
    metavar="NAME=VALUE",
    help="Extra image build arg, after the spec's (repeatable), e.g. BASE_IMAGE=localhost/base.",
)
@repeated_option(
    "--build-volume",
    "build_volumes",
    metavar="SRC:DST[:ro]",
    help="Mount into image builds (podman only), e.g. /etc/ssl/certs:/etc/ssl/certs:ro.",
)
@click.option(
    "--container-runtime",
    type=click.Choice(["podman", "docker"]),
    default=None,
    help="Default: podman if installed, else docker with a running engine.",
)
@folder_option(
    "--cache-dir",
    help="pip and uv cache folder (default ~/.cache/ci-gen/rehearse; a new folder = a cold cache).",
)
@click.option(
    "--keep-deployments",
    is_flag=True,
    help="Leave the tracks and routers that deploy jobs start running (listed; the workdir is kept).",
)
@folder_option(
    "--state-dir",
    help="Carry the deploy jobs' state in DIR from one rehearsal to the next (a series of pushes).",
)
@repeated_option(
    "--pass-env",
    "pass_env",
    metavar="NAME",
    help="Pass this variable of your environment to the jobs (repeatable); by default they get only an "
    "allow-list (PATH, HOME, locale, certificates, proxies, PIP_*/UV_*, the container engine's settings).",
)
@repeated_option(
    "--secret",
    "secrets",
    metavar="NAME",
    help="Give the jobs secrets.NAME from your environment variable NAME (repeatable); other secrets "
    "read as empty.",
)
def command(
    invocation: Invocation,
    jobs: tuple[str, ...],
    event: str,
    ref: str | None,
    matrix: tuple[str, ...],
    workflows: tuple[str, ...],
    workdir: Path | None,
    keep: bool,
    build_args: tuple[str, ...],
    build_volumes: tuple[str, ...],
    container_runtime: str | None,
    cache_dir: Path | None,
    keep_deployments: bool,
    state_dir: Path | None,
    pass_env: tuple[str, ...],
    secrets: tuple[str, ...],
) -> int:
    """Run the generated workflow jobs (and the jobs they need) locally, in a scratch copy of the tree."""
    _pairs(build_args, "--build-arg")
    request = RehearsalRequest(
        location=invocation.location,
        jobs=jobs,
        event=event,
        ref=ref,
        matrix=_pairs(matrix, "--matrix"),
        workflows=workflows,
        workdir=workdir,
        keep=keep,
        build_args=build_args,
        build_volumes=build_volumes,
        container_runtime=container_runtime,
        cache_dir=cache_dir,
        keep_deployments=keep_deployments,
        state_dir=state_dir,
        pass_env=pass_env,
        secrets=secrets,
    )
    report = invocation.report
    result = rehearse(request, lambda event: report.say(*event_lines(event)))
    report.say(*summary_lines(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def event_lines(event: Event) -> Iterator[Line]:
    """Progress lines: each job as it starts, each step with its time, the log tail of a failure."""
    if isinstance(event, Notice):
        yield Line(f"note: {event.message}")
    elif isinstance(event, JobStarted):
        yield Line(f"\n{event.job.key}: {event.job.name}", bold=True)
    elif isinstance(event, StepFinished):
        step = event.step
        colour = "red" if step.outcome is Outcome.FAILURE else None
        yield Line(f"  {MARKS[step.outcome]:<4} {step.seconds:6.1f}s  {step.name}", colour)
        for note in step.notes:
            yield Line(f"              {note}")
        if step.outcome is Outcome.FAILURE:
            yield Line("  --- last lines of its log ---")
            yield Line("  " + (step.tail() or "(the step printed nothing)").replace("\n", "\n  "))
    elif isinstance(event, JobFinished) and event.job.outcome is Outcome.SKIPPED:
        yield Line(f"\n{event.job.key}: skipped (its `if:` is false or a job it needs did not run)")


def summary_lines(result: RehearsalResult) -> Iterator[Line]:
    """The closing table: job, steps run, time, result."""
    width = max([len(job.key) for job in result.jobs] + [3])
    yield Line(f"\n{'job':<{width}}  steps  {'time':>7}  result")
    for job in result.jobs:
        ran = sum(1 for step in job.steps if step.outcome is not Outcome.SKIPPED)
        yield Line(f"{job.key:<{width}}  {ran:>5}  {job.seconds:6.1f}s  {job.outcome.value}")
    path = critical_path(result.jobs)
    if path is not None:
        yield Line(path.text())
    if result.workdir is not None:
        yield Line(f"kept: {result.workdir}")
    failure = result.failure
    if failure is not None:
        yield Line(f"rehearsal failed at {failure[0].key} > {failure[1].name}", "red", err=True)
