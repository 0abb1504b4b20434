"""The critical path comes from the rehearsal's own job times and the `needs` between jobs."""

from __future__ import annotations

from generator.rehearse import JobResult
from generator.rehearse.timing import critical_path


def job(job_id: str, seconds: float, needs: tuple[str, ...] = (), workflow: str = "ci.yml") -> JobResult:
    return JobResult(job_id, job_id, job_id, workflow, seconds=seconds, needs=needs)


def test_side_by_side_jobs_count_once_and_the_longest_chain_wins() -> None:
    jobs = [
        job("lock", 5),
        job("test", 30, ("lock",)),
        job("test", 50, ("lock",)),  # a second matrix leg: the job lasts as long as its slowest leg
        job("model", 40, ("lock",)),
        job("build", 20, ("lock", "test", "model")),
    ]
    path = critical_path(jobs)
    assert path is not None
    assert path.jobs == (("lock", 5), ("test", 50), ("build", 20))
    assert path.seconds == 75
    assert path.serial_seconds == 145
    assert (
        path.text()
        == "critical path 75.0s: lock 5.0s -> test 50.0s -> build 20.0s (one job at a time: 145.0s)"
    )


def test_a_serial_chain_is_the_sum_of_its_jobs() -> None:
    jobs = [
        job("lock", 5),
        job("test", 30, ("lock",)),
        job("model", 40, ("test",)),
        job("build", 20, ("model",)),
    ]
    path = critical_path(jobs)
    assert path is not None and path.seconds == 95 == path.serial_seconds


def test_skipped_jobs_are_left_out_and_the_longest_workflow_is_reported() -> None:
    jobs = [
        job("drift", 3, workflow="drift.yml"),
        job("lock", 5),
        job("publish", 0, ("lock",)),  # skipped by its `if:`: no time
    ]
    path = critical_path(jobs)
    assert path is not None and path.workflow == "ci.yml" and path.jobs == (("lock", 5),)
    assert critical_path([]) is None
