"""Issue 11's promises, read off every golden pipeline: one image build per run, nothing that feeds a
release restores a cache, training beside the tests, and the build waiting for both.

Step inputs and conditions are evaluated with rehearse's expression evaluator, once as a pull request
and once as a push to the deploy branch (the lock job's `deploying` output), as GitHub would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.rehearse.expressions import condition, interpolate, lookup_in
from generator.rehearse.job import CONTEXTS
from tests.conftest import golden_cases

BUILD = "docker/build-push-action"


def pipeline(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((case / "expected/.github/workflows/ci-gen.yml").read_text())
    return data


def contexts(deploying: bool) -> dict[str, Any]:
    return {
        "needs": {"lock": {"outputs": {"deploying": "true" if deploying else "false"}}},
        "github": {"event_name": "push" if deploying else "pull_request"},
        "steps": {},
        "runner": {"temp": "/tmp"},
        "secrets": {},
        "matrix": {},
        "env": {},
    }


def runs(step: dict[str, Any], deploying: bool) -> bool:
    return "if" not in step or condition(str(step["if"]), lookup_in(contexts(deploying)), CONTEXTS)


def value(text: Any, deploying: bool) -> str:
    return interpolate(str(text), lookup_in(contexts(deploying)), CONTEXTS)


def uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


CASES = [case for case in golden_cases() if "build" in pipeline(case)["jobs"]]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
@pytest.mark.parametrize("deploying", [False, True], ids=["pull-request", "deploy-branch"])
def test_exactly_one_image_build_per_run(case: Path, deploying: bool) -> None:
    jobs = pipeline(case)["jobs"]
    builds = [(job_id, step) for job_id, job in jobs.items() for step in job["steps"] if uses(step, BUILD)]
    assert [job_id for job_id, step in builds if runs(step, deploying)] == ["build"]
    step = builds[0][1]
    assert value(step["with"]["push"], deploying) == str(deploying).lower()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_the_publish_path_restores_no_cache(case: Path) -> None:
    jobs = pipeline(case)["jobs"]
    build = next(step for step in jobs["build"]["steps"] if uses(step, BUILD))
    assert value(build["with"].get("cache-from", ""), deploying=True) == ""
    assert value(build["with"].get("cache-from", ""), deploying=False) == "type=gha"
    assert not any(uses(step, "actions/cache") for step in jobs["build"]["steps"])
    for job_id in ("build", "model"):  # the jobs whose output is in the release
        for step in jobs.get(job_id, {}).get("steps", []):
            if uses(step, "actions/setup-python"):
                assert value(step["with"].get("cache", ""), deploying=True) == "", (job_id, step)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_model_beside_tests_and_the_build_waits_for_both(case: Path) -> None:
    jobs = pipeline(case)["jobs"]
    assert "publish" not in jobs
    needs = set(jobs["build"]["needs"])
    assert "test" in needs
    if "model" in jobs:
        assert "test" not in jobs["model"]["needs"] and "model" in needs
    for job_id, job in jobs.items():
        if job_id.startswith("deploy-"):
            assert "build" in job["needs"]
            deploy = next(step for step in job["steps"] if step.get("with", {}).get("command") == "deploy")
            assert "needs.build.outputs.digest" in deploy["with"]["args"]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_the_deploy_branch_smoke_tests_and_attests_the_pushed_digest(case: Path) -> None:
    steps = pipeline(case)["jobs"]["build"]["steps"]
    smoke = next(step for step in steps if step.get("name") == "Smoke-test the image")
    assert smoke["env"]["IMAGE"] == "${{ steps.tested.outputs.ref }}"
    attests = [step for step in steps if uses(step, "actions/attest") and runs(step, deploying=True)]
    assert len(attests) == 2 and not any(runs(step, deploying=False) for step in attests)
    for step in attests:
        assert step["with"]["subject-digest"] == "${{ steps.tested.outputs.digest }}"
    assert steps.index(smoke) < steps.index(attests[0])
