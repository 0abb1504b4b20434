"""Faults of the router and of the job around the driver: nginx's master killed mid-step, the driver
killed at every step and during promotion, a CI runner ending the job's processes; users throughout."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.deploy.loadgen import get
from generator.deploy.targets.local import procs
from tests.deploy.helpers import failed, flight, run_deploy, start_driver, state, users, wait_for

pytestmark = pytest.mark.slow

CANARY = """\
- name: prod
  strategy: canary
  canary: {steps: [50, 100], interval: 3s}
  gates: {min-requests: 5, latency-p99-vs-stable: "<= 10"}
"""


def finish(driver: subprocess.Popen[str], timeout: float = 90) -> str:
    try:
        return driver.communicate(timeout=timeout)[0]
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()


def test_nginx_master_killed_mid_step_is_restored_and_the_step_judged_afresh(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    driver = start_driver(project, project.model("v2"), "v2")
    wait_for(lambda: flight(project) == ("canary 1/2", 50))
    time.sleep(1)
    master = state(project).router.pid
    workers = procs.children(master)
    os.kill(master, signal.SIGKILL)  # its worker lives on, orphaned, holding the port
    output = finish(driver)
    samples = load.stop()
    assert driver.returncode == 0, output
    assert f"nginx (pid {master}) is not running; restoring the router" in output, output
    final = state(project)
    assert final.stable.version == "v2" and final.router.pid != master
    assert all(not procs.alive(pid, None) for pid in workers)
    # The new nginx binds beside the orphan (reuseport) before the orphan is told to quit: no gap.
    assert failed(samples) == 0, [s for s in samples if s.failed]


def test_rollback_after_the_master_died_restores_and_down_leaves_nothing_listening(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    master = state(project).router.pid
    os.kill(master, signal.SIGKILL)
    wait_for(lambda: not procs.alive(master, None))
    runner = CliRunner()
    argv = ["rollback", "-C", str(project.root), "--stage", "prod"]
    back = runner.invoke(cli, argv, catch_exceptions=False)
    assert back.exit_code == 0, back.output
    assert get(project.base_port, "/predict") is not None and state(project).router.pid != master
    os.kill(state(project).router.pid, signal.SIGKILL)
    down = runner.invoke(cli, [*argv, "--down"], catch_exceptions=False)
    assert down.exit_code == 0, down.output
    ports = range(project.base_port, project.base_port + 4)
    assert [procs.listeners(port) for port in ports] == [[]] * 4
    assert project.nginx_pids() == [] and project.leftovers() == []


@pytest.mark.parametrize("moment", ["canary 1/2", "canary 2/2", "promote"])
def test_driver_killed_at_every_step_and_during_promotion_then_rerun_promotes(make_project, moment):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    model = project.model("v2", boot=1.5)  # promotion restarts stable on v2: 1.5 s to catch it in
    driver = start_driver(project, model, "v2")
    wait_for(lambda: flight(project)[0] == moment)
    driver.kill()
    finish(driver)
    report = run_deploy(project, "prod", model, version="v2")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("promoted", 0), report.events
    final = state(project)
    assert final.stable.version == "v2" and set(final.tracks) == {"stable"} and final.deploy is None
    assert failed(samples) == 0, [s for s in samples if s.failed]
    # The 100% step compared the candidate with stable measured in the same window (on copies).
    last = [step for step in report.steps if step["weight"] == 100][-1]
    assert last["stable"]["requests"] >= 5 and "copies" in " ".join(last["notes"])


def test_router_and_tracks_outlive_the_job_that_started_them(make_project):
    project = make_project(CANARY.replace("3s", "6s"))
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    job = {**os.environ, "RUNNER_TRACKING_ID": f"github_{os.getpid()}"}
    driver = start_driver(project, project.model("v2"), "v2", env=job, start_new_session=True)
    wait_for(lambda: flight(project) == ("canary 1/2", 50))
    # What a runner does when a job ends or is cancelled: end the job's process group, then every
    # process that carries the job's tracking id in its environment.
    os.killpg(driver.pid, signal.SIGKILL)
    finish(driver)
    for pid in tracked(job["RUNNER_TRACKING_ID"]):
        os.kill(pid, signal.SIGKILL)
    time.sleep(1)
    assert len(state(project).tracks) == 2 and all(
        procs.alive(t.pid, t.start_ticks) for t in state(project).tracks.values()
    )
    report = run_deploy(project, "prod", project.model("v2"), version="v2")
    samples = load.stop()
    assert (report.outcome, report.exit_code) == ("promoted", 0), report.events
    assert any("resuming the deploy of v2 at 'canary 1/2'" in line for line in report.events)
    assert failed(samples) == 0, [s for s in samples if s.failed]


def tracked(tracking_id: str) -> list[int]:
    wanted = f"RUNNER_TRACKING_ID={tracking_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_track_port_taken_by_another_socket_is_named_before_the_track_starts(make_project):
    project = make_project(CANARY)
    run_deploy(project, "prod", project.model("v1"), version="v1")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", project.base_port + 2))  # the candidate's port
        squatter.listen()
        argv = ["deploy", "-C", str(project.root), "--stage", "prod", "--artifact", project.model("v2")]
        result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 3, result.output
    assert f"port {project.base_port + 2} for the candidate track" in result.output
    assert f"pid {os.getpid()}" in result.output and "base-port below" in result.output
    final = state(project)
    assert final.weight == 0 and set(final.tracks) == {"stable"} and final.deploy is None
