"""Rehearse the generated workflows: every selected job, after the jobs it needs, in a scratch copy."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import RehearseError, UsageError
from generator.location import Location
from generator.podman import podman_env
from generator.project import load
from generator.rehearse import containers
from generator.rehearse.environment import GitHub, base_environment, github_for, snapshot
from generator.rehearse.expressions import (
    ExpressionError,
    condition,
    interpolate,
    lookup_in,
    to_text,
    uses_status,
)
from generator.rehearse.job import CONTEXTS, JobRun, Shared
from generator.rehearse.results import (
    Event,
    JobFinished,
    JobResult,
    JobStarted,
    Notice,
    Outcome,
    RehearsalResult,
)
from generator.rehearse.workflow import Job, Workflow, generated_workflows, job_order, load_workflow

MARKER = ".ci-gen-rehearse"


@dataclass(frozen=True)
class RehearsalRequest:
    """What to rehearse and how; every field has the CLI's default."""

    location: Location
    jobs: tuple[str, ...] = ()
    event: str = "pull_request"
    ref: str | None = None
    matrix: tuple[tuple[str, str], ...] = ()  # keep only combinations with these values
    workflows: tuple[str, ...] = ()
    workdir: Path | None = None  # kept when given
    keep: bool = False
    build_args: tuple[str, ...] = ()  # NAME=VALUE, after the spec's
    build_volumes: tuple[str, ...] = ()
    container_runtime: str | None = None
    cache_dir: Path | None = None
    keep_deployments: bool = False  # leave deployed tracks and routers running (and keep the workdir)
    state_dir: Path | None = None  # deploy state carried between rehearsals
    pass_env: tuple[str, ...] = ()  # variables of this machine passed to the jobs beyond the allow-list
    secrets: tuple[str, ...] = ()  # secrets.NAME read from this machine's variable NAME (else empty)


def default_cache() -> Path:
    """pip and uv caches shared by rehearsals, so a second rehearsal does not download everything again."""
    return Path.home() / ".cache" / "ci-gen" / "rehearse"


def rehearse(request: RehearsalRequest, on_event: Callable[[Event], None] | None = None) -> RehearsalResult:
    """Run the selected jobs and return what happened; progress goes to `on_event`."""
    emit = on_event or (lambda event: None)
    plan = load(request.location).plan
    workflows = [
        load_workflow(path, request.location.display(path))
        for path in generated_workflows(request.location.root, request.workflows)
    ]
    github = github_for(request.location.root, request.event, request.ref, plan.deploy_ref, plan.branches[0])
    runs = _select(workflows, request, github.branch)
    workdir = _workdir(request)
    kept = request.keep or request.workdir or request.keep_deployments
    result = RehearsalResult(workdir=workdir if kept else None)
    try:
        shared = _shared(request, workdir, github, plan.action, emit)
        _run_all(shared, runs, result)
    finally:
        if result.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def _workdir(request: RehearsalRequest) -> Path:
    if request.workdir is None:
        return Path(tempfile.mkdtemp(prefix="ci-gen-rehearse-"))
    workdir = request.workdir.resolve()
    marker = workdir / MARKER
    if workdir.is_dir() and any(workdir.iterdir()) and not marker.is_file():
        raise UsageError(
            f"--workdir {request.workdir} is not empty and was not made by an earlier rehearsal",
            hint="give a new or empty folder (rehearse clears it before it starts)",
        )
    shutil.rmtree(workdir, ignore_errors=True)  # only an earlier rehearsal's leftovers, checked above
    workdir.mkdir(parents=True)
    marker.write_text("made by `ci-gen rehearse`; it may delete this folder\n", encoding="utf-8")
    return workdir


def _shared(
    request: RehearsalRequest, workdir: Path, github: GitHub, action: str, emit: Callable[[Event], None]
) -> Shared:
    files = snapshot(request.location.root, workdir / "source")
    emit(
        Notice(
            f"scratch copy of {request.location.display(request.location.root)}: {files} files in {workdir}"
        )
    )
    runtime = containers.detect(request.container_runtime)
    env = base_environment(request.pass_env)
    if runtime is not None and runtime.name == "podman":
        env = podman_env(env)  # the jobs' builds and `docker` (the shim) run podman with ci-gen's settings
    shim = containers.write_shim(runtime, workdir / "bin") if runtime else None
    if shim is not None:
        env["PATH"] = f"{shim}:{env['PATH']}"
    cache = (request.cache_dir or default_cache()).resolve()
    return Shared(
        workdir,
        workdir / "source",
        workdir / "artifacts",
        cache,
        github,
        env,
        action,
        request.build_args,
        request.build_volumes,
        request.container_runtime,
        runtime,
        emit,
        set(),
        request.keep_deployments,
        request.state_dir.resolve() if request.state_dir else None,
        request.location.root.resolve(),
        secrets={name: os.environ[name] for name in request.secrets if name in os.environ},
    )


@dataclass(frozen=True)
class _Planned:
    job: Job
    matrix: dict[str, Any]


def _select(workflows: list[Workflow], request: RehearsalRequest, branch: str) -> list[_Planned]:
    """The job runs to do, in order: the wanted jobs of triggered workflows, their needs first."""
    _check_filters(request.matrix, workflows)
    triggered = [w for w in workflows if w.triggered_by(request.event, branch)]
    known = {job_id: w for w in triggered for job_id in w.jobs}
    for name in request.jobs:
        if name not in known:
            guess = difflib.get_close_matches(name, list(known), n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"jobs: {', '.join(known) or 'none'}"
            raise UsageError(f"no job '{name}' in the workflows a {request.event} runs", hint=hint)
    planned: list[_Planned] = []
    for workflow in triggered:
        wanted = tuple(j for j in request.jobs if j in workflow.jobs)
        if request.jobs and not wanted:
            continue
        for job in job_order(workflow.jobs, wanted):
            planned += [_Planned(job, combo) for combo in _combinations(job, request.matrix)]
    return planned


def _combinations(job: Job, filters: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    combos = job.matrix()
    kept = [c for c in combos if all(k not in c or to_text(c[k]) == v for k, v in filters)]
    if combos != [{}] and not kept:
        raise UsageError(
            f"--matrix {' '.join(f'{k}={v}' for k, v in filters)} leaves no combination of job "
            f"'{job.id}' (it has {', '.join(str(c) for c in combos)})"
        )
    return kept


def _check_filters(filters: tuple[tuple[str, str], ...], workflows: list[Workflow]) -> None:
    keys = {key for w in workflows for job in w.jobs.values() for combo in job.matrix() for key in combo}
    for key, _ in filters:
        if key not in keys:
            raise UsageError(
                f"--matrix {key}=...: no job has a matrix key '{key}' (keys: {', '.join(sorted(keys))})"
            )


def _run_all(shared: Shared, runs: list[_Planned], result: RehearsalResult) -> None:
    outcomes: dict[tuple[str, str], list[JobResult]] = {}
    failed = False
    for planned in runs:
        job = planned.job
        job_result = JobResult(
            _key(job, planned.matrix), job.id, job.id, job.workflow.display, planned.matrix, needs=job.needs
        )
        result.jobs.append(job_result)
        outcomes.setdefault((job.workflow.display, job.id), []).append(job_result)
        if failed:
            continue  # left as "not run"
        needs = _needs(job, outcomes)
        job_result.name = _job_name(shared, job, planned.matrix, needs)
        if not _should_run(shared, job, planned.matrix, needs):
            job_result.outcome = Outcome.SKIPPED
            shared.emit(JobFinished(job_result))
            continue
        failed = _run_one(shared, job, planned.matrix, needs, job_result) is Outcome.FAILURE


def _run_one(
    shared: Shared, job: Job, matrix: dict[str, Any], needs: dict[str, Any], result: JobResult
) -> Outcome:
    shared.emit(JobStarted(result))
    started = time.monotonic()
    result.outcome = JobRun(shared, job, matrix, needs, result).execute()
    result.seconds = time.monotonic() - started
    shared.emit(JobFinished(result))
    return result.outcome


def _key(job: Job, matrix: dict[str, Any]) -> str:
    return f"{job.id} ({', '.join(to_text(v) for v in matrix.values())})" if matrix else job.id


def _needs(job: Job, outcomes: dict[tuple[str, str], list[JobResult]]) -> dict[str, Any]:
    """The `needs` context: each needed job's result and outputs (matrix legs merged, last wins)."""
    context: dict[str, Any] = {}
    for need in job.needs:
        legs = outcomes.get((job.workflow.display, need), [])
        skipped = not legs or any(leg.outcome is not Outcome.SUCCESS for leg in legs)
        merged: dict[str, str] = {}
        for leg in legs:
            merged.update(leg.outputs)
        context[need] = {"result": "skipped" if skipped else "success", "outputs": merged}
    return context


def _job_contexts(shared: Shared, job: Job, matrix: dict[str, Any], needs: dict[str, Any]) -> dict[str, Any]:
    github = shared.github.context(job.workflow.name, job.id, shared.workdir)
    return {
        "github": github,
        "matrix": matrix,
        "needs": needs,
        "secrets": {},
        "env": {},
        "steps": {},
        "runner": {},
    }


def _should_run(shared: Shared, job: Job, matrix: dict[str, Any], needs: dict[str, Any]) -> bool:
    """A job runs when every job it needs succeeded and its `if:` holds (GitHub's implicit success())."""
    text = to_text(job.data["if"]) if "if" in job.data else ""
    succeeded = all(need["result"] == "success" for need in needs.values())
    if not succeeded and not uses_status(text):
        return False
    if not text:
        return True
    # A rehearsal is never cancelled; a need that did not succeed counts as failed.
    status = {"always": True, "success": succeeded, "failure": not succeeded, "cancelled": False}
    try:
        return condition(
            text, lookup_in({**_job_contexts(shared, job, matrix, needs), "status": status}), CONTEXTS
        )
    except ExpressionError as exc:
        raise RehearseError(f"{job.where('if')}: {exc}: {job.data['if']}") from None


def _job_name(shared: Shared, job: Job, matrix: dict[str, Any], needs: dict[str, Any]) -> str:
    text = to_text(job.data.get("name") or job.id)
    try:
        return interpolate(text, lookup_in(_job_contexts(shared, job, matrix, needs)), CONTEXTS)
    except ExpressionError as exc:
        raise RehearseError(f"{job.where('name')}: {exc}: {text}") from None
