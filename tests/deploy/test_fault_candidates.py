"""Candidates that fail in ways the gates must catch fast: one that answers 500 to everything (time from
its first failed user request to the rollback), and a shadow candidate too slow to take its copies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.report import Event
from tests.deploy.helpers import failed, run_deploy, state, users

pytestmark = pytest.mark.slow

EXAMPLE_CANARY = """\
- name: prod
  strategy: canary
  canary: {steps: [10, 50, 100], interval: 60s}
"""
SHADOW = """\
- name: prod
  strategy: shadow
  shadow: {duration: 6s, mirror-percent: 100}
"""


def test_an_always_failing_candidate_is_rolled_back_within_2_s_of_its_first_failed_request(make_project):
    # The example's canary and default gates (error-rate <= 0.01, min-requests 50), users at 30 req/s as in
    # the fault campaign, and the CLI's default poll (0.5 s).
    project = make_project(EXAMPLE_CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project, rate=30)
    marks: dict[str, float] = {}

    def emit(event: Event) -> None:
        if event.message.startswith("rolled back:"):
            marks["back"] = time.monotonic()

    model = Path(project.model("v2", mode="error"))
    report = deploy(DeployRequest(project.location, "prod", artifact=model, version="v2"), emit)
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("rolled back", 1), report.reason
    assert "error budget spent" in report.reason
    first = min(s.started + s.seconds for s in samples if s.failed)
    assert marks["back"] - first < 2.0, marks["back"] - first
    assert failed(samples) <= 6, failed(samples)
    assert state(project).weight == 0 and set(state(project).tracks) == {"stable"}


def test_a_shadow_candidate_that_sheds_most_copies_fails_and_the_shed_count_is_reported(make_project):
    project = make_project(SHADOW)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project, rate=100, concurrency=8)
    report = run_deploy(project, "prod", project.model("v2", mode="slow", delay=1.0), version="v2")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("failed", 1), report.events
    assert "could not take" in report.reason and "copies" in report.reason
    step = report.steps[-1]
    assert step["shed"] * 2 > step["offered"] >= 50
    assert any(f"shed {step['shed']}" in line for line in report.events)
    assert failed(samples) == 0  # users only ever get stable's answers
