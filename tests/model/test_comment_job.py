"""The pull-request comment job, in every golden case: the pipeline's only job with
`pull-requests: write`, skipped for pull requests from forks; it never checks out or runs the pull
request's code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.rehearse.expressions import condition, lookup_in
from generator.rehearse.job import CONTEXTS
from tests.conftest import golden_cases

COMMENT_JOB = "model-report-comment"


def jobs_of(case: Path) -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = {}
    for path in sorted((case / "expected" / ".github" / "workflows").glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        jobs.update({f"{path.name}:{name}": job for name, job in (data.get("jobs") or {}).items()})
    return jobs


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_only_the_comment_job_may_write_to_pull_requests(case: Path) -> None:
    # In the pipeline, which runs pull requests' code (the retrain workflow's job that opens a pull
    # request runs on a schedule, never for a pull request).
    for name, job in jobs_of(case).items():
        if not name.startswith("ci-gen.yml:"):
            continue
        if (job.get("permissions") or {}).get("pull-requests") == "write":
            assert name == f"ci-gen.yml:{COMMENT_JOB}", name
            assert job["permissions"] == {"pull-requests": "write"}


def comment_job() -> dict[str, Any]:
    return jobs_of(Path(__file__).parents[1] / "golden" / "champion")[f"ci-gen.yml:{COMMENT_JOB}"]


def runs_for(event: str, head_repository: str, report: str = "written") -> bool:
    contexts = {
        "github": {
            "event_name": event,
            "repository": "acme/iris",
            "event": {"pull_request": {"head": {"repo": {"full_name": head_repository}}}},
        },
        "needs": {"model": {"result": "failure", "outputs": {"report": report}}},
        # The model job failed its gates: the comment job still runs (it is not cancelled).
        "status": {"always": True, "success": False, "failure": True, "cancelled": False},
    }
    return condition(str(comment_job()["if"]), lookup_in(contexts), CONTEXTS)


def test_the_comment_job_is_skipped_for_forks_and_runs_for_this_repository() -> None:
    assert runs_for("pull_request", "acme/iris")
    assert not runs_for("pull_request", "someone/iris")  # a fork's pull request
    assert not runs_for("push", "acme/iris")
    assert not runs_for("pull_request", "acme/iris", report="")  # the model job wrote no report


def test_the_comment_job_never_runs_the_pull_requests_code() -> None:
    job = comment_job()
    assert job["needs"] == ["model"]
    used = [str(step.get("uses", "")).split("@")[0] for step in job["steps"]]
    assert used == ["actions/download-artifact", ""]
    script = job["steps"][1]["run"]
    assert "gh api" in script and "<!-- ci-gen-model-report -->" in script and "python" not in script
    assert "${{" not in script  # values reach the script through env only
