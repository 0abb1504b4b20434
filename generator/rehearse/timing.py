"""The critical path of a rehearsal: how long the run would take on GitHub, where jobs run side by side.

A rehearsal runs one job at a time, so its wall time is the sum of all jobs. On GitHub every job starts
as soon as the jobs it needs have finished, and the legs of a matrix run at once; the run then takes
as long as its longest chain of `needs`, each job counted at its slowest leg. Both come from the times
the rehearsal measured, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.rehearse.results import JobResult


@dataclass(frozen=True)
class CriticalPath:
    """The longest chain of needs in one workflow, each job with its (slowest leg's) seconds."""

    workflow: str
    jobs: tuple[tuple[str, float], ...]
    serial_seconds: float  # every leg of every job one after another, as the rehearsal ran them

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.jobs)

    def text(self) -> str:
        chain = " -> ".join(f"{job} {seconds:.1f}s" for job, seconds in self.jobs)
        serial = f"one job at a time: {self.serial_seconds:.1f}s"
        return f"critical path {self.seconds:.1f}s: {chain} ({serial})"


def critical_path(jobs: list[JobResult]) -> CriticalPath | None:
    """The longest of the workflows' critical paths; None when no job ran."""
    paths = [_workflow_path(name, [j for j in jobs if j.workflow == name]) for name in _workflows(jobs)]
    paths = [path for path in paths if path.jobs]
    return max(paths, key=lambda path: path.seconds, default=None)


def _workflows(jobs: list[JobResult]) -> list[str]:
    return list(dict.fromkeys(job.workflow for job in jobs))


def _workflow_path(workflow: str, jobs: list[JobResult]) -> CriticalPath:
    seconds: dict[str, float] = {}
    needs: dict[str, tuple[str, ...]] = {}
    for job in jobs:  # matrix legs share a job id: the job lasts as long as its slowest leg
        seconds[job.job_id] = max(seconds.get(job.job_id, 0.0), job.seconds)
        needs[job.job_id] = job.needs
    finish: dict[str, tuple[float, tuple[str, ...]]] = {}
    for job_id in seconds:  # jobs come in the order they ran: every job after the jobs it needs
        before = max((finish[n] for n in needs[job_id] if n in finish), default=(0.0, ()))
        finish[job_id] = (before[0] + seconds[job_id], (*before[1], job_id))
    _, chain = max(finish.values(), default=(0.0, ()))
    ran = tuple((job_id, seconds[job_id]) for job_id in chain if seconds[job_id] > 0)
    return CriticalPath(workflow, ran, sum(job.seconds for job in jobs))
