"""What a rehearsal reports: results for every step and job, and the events the CLI prints as they happen."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

LOG_TAIL_LINES = 40


class Outcome(str, Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"  # its `if:` was false, or a job it needs was skipped
    NOT_RUN = "not run"  # an earlier failure stopped the rehearsal first


@dataclass
class StepResult:
    """One step: how it ended, how long it took, what it printed and set."""

    name: str
    outcome: Outcome
    seconds: float = 0.0
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log.rstrip("\n").splitlines()[-lines:])


@dataclass
class JobResult:
    """One job run (one matrix combination)."""

    key: str  # `test (3.11)` for a matrix job, else the job id
    job_id: str
    name: str
    workflow: str
    matrix: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = Outcome.NOT_RUN
    seconds: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""  # what its steps wrote to $GITHUB_STEP_SUMMARY
    needs: tuple[str, ...] = ()  # the job ids it needs, for the critical path

    def step(self, name: str) -> StepResult:
        """The step called `name` (a test convenience: KeyError when absent)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"job {self.key} has no step named {name!r}")


@dataclass
class RehearsalResult:
    """Every job in the order it ran; `ok` is true when none failed."""

    jobs: list[JobResult] = field(default_factory=list)
    workdir: Path | None = None  # kept only with --keep / --workdir
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(job.outcome is not Outcome.FAILURE for job in self.jobs)

    def job(self, key: str) -> JobResult:
        for job in self.jobs:
            if job.key == key:
                return job
        raise KeyError(f"no job {key!r} in this rehearsal; jobs: {', '.join(j.key for j in self.jobs)}")

    @property
    def failure(self) -> tuple[JobResult, StepResult] | None:
        """The job and step that failed, if any."""
        for job in self.jobs:
            for step in job.steps:
                if step.outcome is Outcome.FAILURE:
                    return job, step
        return None


@dataclass(frozen=True)
class JobStarted:
    job: JobResult


@dataclass(frozen=True)
class StepStarted:
    job: JobResult
    name: str


@dataclass(frozen=True)
class StepFinished:
    job: JobResult
    step: StepResult


@dataclass(frozen=True)
class JobFinished:
    job: JobResult


@dataclass(frozen=True)
class Notice:
    """Something the person should know: a secret read as empty, an action replaced, a push skipped."""

    message: str


Event = JobStarted | StepStarted | StepFinished | JobFinished | Notice
