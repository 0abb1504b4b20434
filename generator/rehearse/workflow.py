"""Read generated workflow files into jobs and steps that remember their file and line.

Only what ci-gen's templates produce is accepted; a key that would change what a job does and that
rehearse cannot reproduce (services, containers, reusable workflows, matrix include/exclude, other
shells) is an error naming the file and line, never silently ignored.
"""

from __future__ import annotations

import fnmatch
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.defaults import WORKFLOWS_DIR
from generator.errors import RehearseError
from generator.render.header import split_header
from generator.spec.source import Document, parse_yaml

# Keys that only matter on GitHub (scheduling, permissions, concurrency) are read and ignored.
_WORKFLOW_KEYS = {"name", "on", "permissions", "concurrency", "env", "jobs", "run-name"}
_JOB_KEYS = {
    "name",
    "needs",
    "if",
    "runs-on",
    "permissions",
    "timeout-minutes",
    "strategy",
    "steps",
    "env",
    "outputs",
    "environment",
    "concurrency",
}
_STRATEGY_KEYS = {"matrix", "fail-fast", "max-parallel"}
_STEP_KEYS = {
    "name",
    "id",
    "if",
    "uses",
    "with",
    "run",
    "env",
    "shell",
    "working-directory",
    "timeout-minutes",
}


@dataclass(frozen=True)
class Step:
    """One step of a job, with its place in the workflow file for messages."""

    job_id: str
    index: int
    data: dict[str, Any]
    workflow: Workflow

    def where(self, *keys: str) -> str:
        return self.workflow.where("jobs", self.job_id, "steps", self.index, *keys)


@dataclass(frozen=True)
class Job:
    """A job of a workflow; matrix jobs become one JobRun per combination."""

    id: str
    data: dict[str, Any]
    workflow: Workflow
    needs: tuple[str, ...]

    def where(self, *keys: str | int) -> str:
        return self.workflow.where("jobs", self.id, *keys)

    @property
    def steps(self) -> list[Step]:
        raw = self.data.get("steps") or []
        return [Step(self.id, i, step, self.workflow) for i, step in enumerate(raw)]

    def matrix(self) -> list[dict[str, Any]]:
        """Every combination of the job's matrix, in GitHub's order ([{}] without a matrix)."""
        strategy = self.data.get("strategy") or {}
        matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
        if not matrix:
            return [{}]
        if not isinstance(matrix, dict) or any(not isinstance(v, list) for v in matrix.values()):
            raise RehearseError(
                f"{self.where('strategy', 'matrix')}: only lists of values are supported by rehearse"
            )
        if {"include", "exclude"} & set(matrix):
            raise RehearseError(
                f"{self.where('strategy', 'matrix')}: matrix include/exclude is not supported by rehearse"
            )
        keys = list(matrix)
        combos = itertools.product(*(matrix[k] for k in keys))
        return [dict(zip(keys, combo, strict=True)) for combo in combos]


@dataclass(frozen=True)
class Workflow:
    """One workflow file as plain data plus the positions of its values."""

    path: Path
    display: str
    document: Document
    jobs: dict[str, Job] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.document.data
        return data

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.path.name)

    def where(self, *keys: str | int) -> str:
        position = self.document.locate(tuple(keys))
        return f"{self.display}:{position[0]}" if position else self.display

    def triggered_by(self, event: str, branch: str) -> bool:
        """Whether `event` on `branch` starts this workflow (branch filters are glob patterns)."""
        triggers = self.data.get("on") or {}
        if isinstance(triggers, str):
            triggers = {triggers: None}
        if isinstance(triggers, list):
            triggers = dict.fromkeys(triggers)
        if event not in triggers:
            return False
        settings = triggers[event] or {}
        branches = settings.get("branches") if isinstance(settings, dict) else None
        return not branches or any(fnmatch.fnmatchcase(branch, pattern) for pattern in branches)


def load_workflow(path: Path, display: str) -> Workflow:
    """Parse and check one workflow file; raise RehearseError on anything rehearse cannot run."""
    document = parse_yaml(path.read_text(encoding="utf-8"), display)
    if not isinstance(document.data, dict) or not isinstance(document.data.get("jobs"), dict):
        raise RehearseError(f"{display}: not a workflow (no `jobs:` mapping)")
    workflow = Workflow(path, display, document)
    _check_keys(workflow, (), document.data, _WORKFLOW_KEYS)
    for job_id, data in document.data["jobs"].items():
        workflow.jobs[job_id] = _job(workflow, job_id, data)
    return workflow


def _job(workflow: Workflow, job_id: str, data: Any) -> Job:
    if not isinstance(data, dict):
        raise RehearseError(f"{workflow.where('jobs', job_id)}: job '{job_id}' is not a mapping")
    _check_keys(workflow, ("jobs", job_id), data, _JOB_KEYS)
    if isinstance(data.get("strategy"), dict):
        _check_keys(workflow, ("jobs", job_id, "strategy"), data["strategy"], _STRATEGY_KEYS)
    for index, step in enumerate(data.get("steps") or []):
        _check_step(workflow, ("jobs", job_id, "steps", index), step)
    needs = data.get("needs") or []
    return Job(job_id, data, workflow, tuple([needs] if isinstance(needs, str) else needs))


def _check_step(workflow: Workflow, path: tuple[str | int, ...], step: Any) -> None:
    if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
        raise RehearseError(f"{workflow.where(*path)}: a step needs exactly one of `run:` and `uses:`")
    _check_keys(workflow, path, step, _STEP_KEYS)
    if step.get("shell", "bash") != "bash":
        raise RehearseError(
            f"{workflow.where(*path, 'shell')}: shell '{step['shell']}' is not supported by rehearse"
        )


def _check_keys(
    workflow: Workflow, path: tuple[str | int, ...], data: dict[str, Any], allowed: set[str]
) -> None:
    for key in data:
        if key not in allowed:
            where = workflow.where(*path, key)
            raise RehearseError(
                f"{where}: `{key}` is not supported by rehearse (it covers what ci-gen generates)"
            )


def generated_workflows(root: Path, names: tuple[str, ...]) -> list[Path]:
    """The workflow files ci-gen generated under root (those with its header), or the ones named."""
    folder = root / WORKFLOWS_DIR
    if names:
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise RehearseError(f"no workflow {', '.join(missing)} in {folder}")
        return [folder / n for n in names]
    found = [p for p in sorted(folder.glob("*.y*ml")) if split_header(p.read_text(encoding="utf-8"))[0]]
    if not found:
        raise RehearseError(f"no generated workflows in {folder}", hint="run `ci-gen generate` first")
    return found


def job_order(jobs: dict[str, Job], wanted: tuple[str, ...]) -> list[Job]:
    """The wanted jobs and every job they need, each after its needs (file order breaks ties)."""
    order: list[Job] = []
    state: dict[str, str] = {}

    def visit(job_id: str, chain: tuple[str, ...]) -> None:
        if state.get(job_id) == "done":
            return
        if job_id in chain:
            raise RehearseError(f"jobs need each other in a cycle: {' -> '.join((*chain, job_id))}")
        job = jobs[job_id]
        for need in job.needs:
            if need not in jobs:
                raise RehearseError(f"{job.where('needs')}: job '{job_id}' needs unknown job '{need}'")
            visit(need, (*chain, job_id))
        state[job_id] = "done"
        order.append(job)

    for job_id in wanted or tuple(jobs):
        visit(job_id, ())
    return order
