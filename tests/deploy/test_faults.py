"""Faults of the driver itself: killed mid-step and rerun, a second deploy at the same time, reloads."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.deploy.stages import make_target, open_stage
from generator.deploy.state import Session, StateStore
from tests.deploy.helpers import failed, run_deploy, start_driver, state, users

pytestmark = pytest.mark.slow

CANARY = """\
- name: prod
  strategy: canary
  canary: {steps: [50, 100], interval: 3s}
  gates: {min-requests: 5, latency-p99-vs-stable: "<= 10"}
"""
CI_GEN = str(Path(sys.executable).with_name("ci-gen"))


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def phase(project) -> str | None:
    path = project.root / ".ci-gen-state" / "prod" / "state.json"
    try:
        flight = json.loads(path.read_text()).get("deploy")
    except (OSError, ValueError):
        return None
    return flight["phase"] if flight else None


def test_driver_killed_mid_step_then_rerun_converges_with_no_orphans(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    model = project.model("v2")
    argv = [
        CI_GEN,
        "deploy",
        "-C",
        str(project.root),
        "--stage",
        "prod",
        "--artifact",
        model,
        "--version",
        "v2",
    ]
    driver = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # The phase is recorded before the step sets its weight; wait for both.
        wait_for(lambda: phase(project) == "canary 1/2" and state(project).weight == 50)
        candidate_pid = state(project).tracks["candidate"].pid

        # A second deploy while the first holds the environment is refused, and changes nothing.
        second = CliRunner().invoke(
            cli,
            ["deploy", "-C", str(project.root), "--stage", "prod", "--artifact", model],
            catch_exceptions=False,
        )
        assert second.exit_code == 3
        assert f"pid {driver.pid}" in second.output and "busy" in second.output

        driver.send_signal(signal.SIGKILL)
        driver.wait()
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
        driver.stdout.close()
    assert state(project).weight == 50  # killed mid-step: half the users still on the candidate

    report = run_deploy(project, "prod", model, version="v2")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("promoted", 0), report.events
    assert any("resuming" in line for line in report.events)
    final = state(project)
    assert final.stable.version == "v2" and set(final.tracks) == {"stable"} and final.deploy is None
    assert not Path(f"/proc/{candidate_pid}").exists() or candidate_pid not in project.leftovers()
    assert len(project.leftovers()) >= 1  # stable only; the fixture's teardown proves none remain after
    assert failed(samples) == 0


def test_a_different_release_after_a_crash_first_rolls_the_old_one_back(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    argv = [
        CI_GEN,
        "deploy",
        "-C",
        str(project.root),
        "--stage",
        "prod",
        "--artifact",
        project.model("v2"),
        "--version",
        "v2",
    ]
    with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as driver:
        wait_for(lambda: phase(project) == "canary 1/2")
        driver.kill()
    load = users(project)
    report = run_deploy(project, "prod", project.model("v3"), version="v3")
    load.stop()
    assert report.outcome == "promoted", report.events
    assert any("rolling back unfinished deploy of v2" in line for line in report.events)
    assert state(project).history[-2]["version"] == "v2"
    assert state(project).history[-2]["outcome"] == "rolled back"


def test_nginx_reloads_under_load_drop_no_request(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    opened = open_stage(project.location, "prod")
    from generator.deploy.release import Release

    target = make_target(opened, Session(StateStore(opened.environment.folder, "prod")))
    target.start_track("candidate", Release(version="v2", artifact=str(project.root / project.model("v2"))))
    target.wait_healthy("candidate", 30)
    load = users(project, rate=150, concurrency=8)
    for weight in [10, 50, 90, 100, 0] * 5:
        target.set_weight(weight)
        time.sleep(0.1)
    samples = load.stop()
    target.stop_track("candidate")
    assert len(samples) > 200
    assert failed(samples) == 0, [s for s in samples if s.failed][:3]
    assert state(project).router.generation >= 25


def test_a_cancelled_job_rolls_back_and_a_second_sigterm_does_not_interrupt_it(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    driver = start_driver(project, project.model("v2"), "v2")
    try:
        wait_for(lambda: phase(project) == "canary 1/2")
        driver.send_signal(signal.SIGTERM)
        lines = []
        for line in driver.stdout:  # the second SIGTERM arrives while the rollback runs
            lines.append(line)
            if line.startswith("rolling back"):
                driver.send_signal(signal.SIGTERM)
                break
        output = "".join(lines) + driver.communicate(timeout=60)[0]
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    samples = load.stop()
    assert driver.returncode == 4, output  # cancelled: its own exit code
    assert "rolled back: all traffic on stable v1" in output and "cancelled" in output
    assert "the rollback finishes first" in output and "Aborted" not in output
    final = state(project)
    assert final.weight == 0 and set(final.tracks) == {"stable"} and final.deploy is None
    assert final.stable.version == "v1" and final.history[-1]["outcome"] == "cancelled"
    assert failed(samples) == 0
