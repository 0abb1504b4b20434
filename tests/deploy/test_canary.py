"""Canary on the local target with real nginx and real processes: promotion and automatic rollbacks."""

from __future__ import annotations

import pytest

from tests.deploy.helpers import failed, run_deploy, state, users

pytestmark = pytest.mark.slow

CANARY = """\
- name: prod
  strategy: canary
  canary: {steps: [25, 100], interval: 2s}
  gates:
    error-rate: "<= 0.02"
    latency-p99-vs-stable: "<= 3"
    agreement: ">= 0.9"
    min-requests: 10
"""


def test_canary_promotes_a_good_candidate_without_failing_users(make_project):
    project = make_project(CANARY)
    assert (
        run_deploy(project, "prod", project.model("v1", label="setosa"), version="v1").outcome == "installed"
    )
    load = users(project)
    report = run_deploy(project, "prod", project.model("v2", label="setosa"), version="v2")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("promoted", 0), report.events
    assert [s["verdict"] for s in report.steps] == ["pass", "pass"]
    final = state(project)
    assert final.stable is not None and final.stable.version == "v2"
    assert set(final.tracks) == {"stable"} and final.weight == 0 and final.deploy is None
    assert len(samples) > 100 and failed(samples) == 0


def test_candidate_answering_500_is_rolled_back_at_once(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    report = run_deploy(project, "prod", project.model("broken", mode="error"), version="broken")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("rolled back", 1)
    assert "error-rate" in report.reason
    final = state(project)
    assert final.stable.version == "v1" and final.weight == 0 and "candidate" not in final.tracks
    # Only the candidate's 25% share of the first step, stopped early once the gate had its 10 requests.
    assert 0 < failed(samples) <= 30, failed(samples)


def test_candidate_crashing_mid_canary_is_rolled_back_and_users_fail_over(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    report = run_deploy(project, "prod", project.model("crashy", mode="crash", after=5), version="crashy")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("rolled back", 1)
    assert "exited" in report.reason
    assert state(project).weight == 0 and "candidate" not in state(project).tracks
    # Refused connections go to stable; at most the one request in flight when it died fails.
    assert failed(samples) <= 1, failed(samples)


def test_slow_candidate_fails_the_latency_gate(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    report = run_deploy(project, "prod", project.model("slow", mode="slow", delay=0.3), version="slow")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("rolled back", 1)
    assert "latency-p99-vs-stable" in report.reason
    assert state(project).stable.version == "v1"
    assert failed(samples) == 0
