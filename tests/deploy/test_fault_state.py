"""Faults of the state folder mid-deploy (a real tmpfs mounted over it, filled or made read-only), and the
pre-flight check that refuses a folder that is unwritable or nearly full."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Target
from generator.deploy.targets.local import procs
from tests.deploy.conftest import Project, teardown
from tests.deploy.helpers import BODY, failed, flight, run_deploy, start_driver, state, users, wait_for

pytestmark = pytest.mark.slow

CANARY = """\
- name: prod
  strategy: canary
  canary: {steps: [50, 100], interval: 30s}
  gates: {min-requests: 5, latency-p99-vs-stable: "<= 10"}
"""


@dataclass
class Disk:
    """A tmpfs over a project's state folder (root only: the suite runs as root, in CI too)."""

    project: Project
    path: Path

    def fill(self) -> None:
        fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for chunk in (1 << 20, 1 << 12, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * chunk)
                except OSError:
                    continue
        finally:
            os.close(fd)

    readonly_layer: bool = False

    def readonly(self) -> None:
        # A read-only bind mount over the folder: new writes fail with EROFS, while files nginx and the
        # tracks already hold open stay writable (a remount would be refused as busy).
        subprocess.run(["mount", "--bind", str(self.path), str(self.path)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(self.path)], check=True)
        self.readonly_layer = True

    def release(self) -> None:
        if self.readonly_layer:
            subprocess.run(["umount", str(self.path)], check=True)
            self.readonly_layer = False
        (self.path / "filler").unlink(missing_ok=True)


@pytest.fixture
def tmpfs():
    """Mount a tmpfs over a project's state folder; at the end make it writable again, take the
    environment down (proving nothing is left), then unmount."""
    disks: list[Disk] = []

    def mount(project: Project, size: str = "48m") -> Disk:
        path = project.root / ".ci-gen-state"
        path.mkdir(parents=True, exist_ok=True)
        argv = ["mount", "-t", "tmpfs", "-o", f"size={size}", "ci-gen-test", str(path)]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            message = f"cannot mount a tmpfs (the fault tests need root): {result.stderr.strip()}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        disks.append(Disk(project, path))
        return disks[-1]

    yield mount
    for disk in disks:
        try:
            disk.release()
            teardown(disk.project)
        finally:
            subprocess.run(["umount", str(disk.path)], check=False)


def deploy_v2_then(project: Project, fault) -> tuple[int, str, list]:
    """v1 stable, users on, v2 deployed by a driver process; `fault()` at the 50% step."""
    run_deploy(project, "prod", project.model("v1"), version="v1")
    load = users(project)
    driver = start_driver(project, project.model("v2", label="versicolor"), "v2")
    try:
        wait_for(lambda: flight(project) == ("canary 1/2", 50))
        candidate = state(project).tracks["candidate"].pid
        time.sleep(1)  # mid-step: the weight is live and the window open
        fault()
        output, _ = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    samples = load.stop()
    assert not procs.alive(candidate, None), output  # (a zombie until init reaps it is not alive)
    return driver.returncode, output, samples


def only_stable_answers(project: Project) -> None:
    """Every user now gets stable's answer (v1 says setosa, v2 versicolor)."""
    plan = LoadPlan([BODY], rate=100, duration=1, max_requests=50, keep_bodies=True)
    answers = LoadGenerator(Target.parse(project.url), plan).run()
    assert len(answers) >= 20 and all(s.status == 200 and b"setosa" in s.body for s in answers)


def test_a_state_folder_that_fills_up_mid_step_fails_safe(make_project, tmpfs):
    project = make_project(CANARY)
    disk = tmpfs(project)
    code, output, samples = deploy_v2_then(project, disk.fill)
    assert code == 3, output
    assert "No space left on device" in output and str(disk.path / "prod") in output
    assert "all traffic is back on stable v1 and the candidate is stopped" in output
    assert "bug" not in output
    conf = (disk.path / "prod" / "router" / "nginx.conf").read_text()
    assert str(project.base_port + 2) not in conf.split("upstream tracks")[1].split("}")[0]
    assert failed(samples) == 0
    only_stable_answers(project)


def test_a_state_folder_made_read_only_mid_step_fails_safe(make_project, tmpfs):
    project = make_project(CANARY)
    disk = tmpfs(project)
    code, output, samples = deploy_v2_then(project, disk.readonly)
    assert code == 3, output
    assert "Read-only file system" in output and str(disk.path / "prod") in output
    assert "stopping the candidate instead" in output  # nginx sends what the candidate refuses to stable
    assert "bug" not in output
    # The config cannot change, so the candidate stops while nginx still routes to it: new connections go
    # to stable, but a request already sent on a kept-alive connection to the candidate can fail.
    assert failed(samples) <= 2, [s for s in samples if s.failed]
    only_stable_answers(project)


@pytest.mark.parametrize(("size", "words"), [("8m", "nearly full"), ("ro", "Read-only file system")])
def test_preflight_refuses_a_folder_that_is_full_or_read_only(make_project, tmpfs, size, words):
    project = make_project(CANARY)
    disk = tmpfs(project, size="8m" if size == "8m" else "48m")
    if size == "ro":
        disk.readonly()
    argv = ["deploy", "-C", str(project.root), "--stage", "prod", "--artifact", project.model("v1")]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 3, result.output
    assert words in result.output and str(disk.path / "prod") in result.output
    assert "bug" not in result.output
    assert not project.leftovers() and not project.nginx_pids()
