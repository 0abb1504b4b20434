"""Helpers for deploy tests: run a deploy in-process with fast polling, play users, read the state."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Target
from generator.deploy.report import DeployReport, Event
from generator.deploy.state import EnvState, StateStore

BODY = b'{"features": [5.1, 3.5, 1.4, 0.2]}'


def run_deploy(project, stage: str, artifact: str | Path, **kwargs) -> DeployReport:
    events: list[str] = []

    def emit(event: Event) -> None:
        events.append(event.message)

    request = DeployRequest(project.location, stage, artifact=Path(artifact), poll_seconds=0.2, **kwargs)
    report = deploy(request, emit)
    report.events = events
    return report


def users(
    project, rate: float = 40, duration: float = 120, concurrency: int = 4, bodies=None
) -> LoadGenerator:
    """Users of the environment's router: a bounded load generator, started."""
    plan = LoadPlan(
        bodies or [BODY], rate=rate, duration=duration, concurrency=concurrency, max_requests=20000
    )
    return LoadGenerator(Target.parse(project.url), plan).start()


def state(project, environment: str = "prod") -> EnvState:
    return StateStore(project.root / ".ci-gen-state" / environment, environment).load()


def failed(samples) -> int:
    return sum(s.failed for s in samples)


def sample_bodies() -> list[bytes]:
    """The example project's recorded requests (mixed species, so a worse model disagrees)."""
    path = Path(__file__).resolve().parents[2] / "example_project" / "samples" / "requests.jsonl"
    return [line.encode() for line in path.read_text().splitlines() if line.strip()]


CI_GEN = str(Path(sys.executable).with_name("ci-gen"))


def start_driver(project, model: str, version: str, stage: str = "prod", **popen) -> subprocess.Popen[str]:
    """`ci-gen deploy` in its own process (so it can be killed), output captured as text."""
    argv = [CI_GEN, "deploy", "-C", str(project.root), "--stage", stage, "--artifact", model]
    argv += ["--version", version]
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, **popen}
    return subprocess.Popen(argv, **popen)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def flight(project, environment: str = "prod") -> tuple[str | None, int]:
    """The phase of the deploy in flight (None if none) and the recorded weight, read from disk."""
    try:
        current = state(project, environment)
    except Exception:  # a state file being replaced or unreadable: ask again
        return None, -1
    return (current.deploy.phase if current.deploy else None), current.weight
