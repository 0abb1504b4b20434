"""Running the real deploy driver against the in-memory target: a stage's plan, a fake clock, the state
in a real folder, and the router's front door for a first version's sample request and users."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from generator.deploy.drift_gate import DriftSource
from generator.deploy.driver import Run
from generator.deploy.first_install import FirstChecks
from generator.deploy.loadgen import Target as Url
from generator.deploy.release import Release
from generator.deploy.report import DeployReport, Event
from generator.deploy.state import EnvState, Session, StateStore
from generator.deploy.strategies.base import Context
from generator.deploy.targets import Environment
from generator.deploy.targets.base import STABLE
from generator.deploy_plan import BasicPlan, CanaryPlan, DeployPlan, ShadowPlan, StrategyPlan
from generator.spec.model import DeployGates
from tests.deploy.memory import MemoryTarget, MortalStore, Routing, World

SUCCESS = {"basic": "promoted", "shadow": "passed", "canary": "promoted"}
FAILURE = {"basic": "rolled back", "shadow": "failed", "canary": "rolled back"}


class FakeClock:
    """Time that passes only when the driver sleeps: windows of minutes take no time at all."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float, /) -> None:
        self.now += seconds


def release(version: str) -> Release:
    return Release(version=version, image=f"registry.example/model:{version}")


@dataclass
class Driver:
    """Runs one stage against a world, as `ci-gen deploy` would, with the real state in `folder`."""

    world: World
    folder: Path
    plan: DeployPlan
    poll_seconds: float = 10.0
    events: list[str] = field(default_factory=list)
    drift: DriftSource | None = None  # the reference profile, when the stage gates on drift
    sample: bytes | None = None  # the sample request a first version must answer
    bodies: tuple[bytes, ...] = ()  # synthetic users' requests

    def session(self) -> Session:
        return Session(MortalStore(self.world, self.folder, self.plan.environment))

    def state(self) -> EnvState:
        return StateStore(self.folder, self.plan.environment).load()

    def deploy(self, version: str) -> DeployReport:
        session = self.session()
        target = MemoryTarget(session, self.world)
        ctx = Context(
            target,
            session,
            self.plan,
            release(version),
            emit_into(self.events),
            health_timeout=self.plan.health_timeout,
            poll_seconds=self.poll_seconds,
            clock=FakeClock(),
            drift=self.drift,
        )
        environment = Environment(self.plan, self.folder, None)  # type: ignore[arg-type]
        try:
            checks = FirstChecks(target.front_door(), self.sample, self.bodies, rate=50)
            return Run(ctx, environment, checks).execute(contextlib.nullcontext)
        finally:
            target.close()


def emit_into(events: list[str]) -> Callable[[Event], None]:
    return lambda event: events.append(event.message)


def stage_plan(strategy: str, gates: dict[str, Any] | None = None, **settings: Any) -> DeployPlan:
    """A stage's deploy plan as the spec would resolve it (`gates` in the spec's kebab-case)."""
    plan: StrategyPlan = CanaryPlan(
        tuple(settings.get("steps", (10, 50, 100))), settings.get("interval", 60.0)
    )
    if strategy == "basic":
        plan = BasicPlan(verify=settings.get("verify", 60.0))
    elif strategy == "shadow":
        plan = ShadowPlan(settings.get("duration", 60.0), settings.get("mirror_percent", 100))
    return DeployPlan(
        name="prod",
        environment="production",
        environment_index=0,
        target="memory",
        strategy=strategy,
        settings=plan,
        gates=DeployGates.model_validate(gates or {}),
        state_dir=".ci-gen-state",
        state_folder=".ci-gen-state/production",
        health_timeout=60.0,
        container_port=8080,
        health_path="/health",
        predict_path="/predict",
        sample_request=None,
        local=None,
        kubernetes=None,
    )


@contextlib.contextmanager
def front_door(world: World) -> Iterator[Url]:
    """Open the router's front door, where ci-gen sends a first version its sample request and synthetic
    users: each request is answered with the status of the release the stable track runs (503: none)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            release = world.live(STABLE)
            status = world.behaviour(release).status if release else 503
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    world.door = Url("127.0.0.1", server.server_address[1], "/predict")
    try:
        yield world.door
    finally:
        world.door = None
        server.shutdown()
        server.server_close()
        thread.join()


def verdicts(report: DeployReport) -> dict[str, str]:
    """Each gate's verdict in the last judged window."""
    return {g["gate"]: g["verdict"] for g in report.steps[-1]["gates"]}


def assert_end(strategy: str, report: DeployReport, driver: Driver, passes: bool) -> None:
    """A promotion leaves v2 alone on stable; anything else leaves v1 alone; no weight, no mirror."""
    stable = "v2" if passes and strategy != "shadow" else "v1"
    assert driver.world.end() == {"tracks": {"stable": stable}, "router": Routing()}
    state = driver.state()
    assert state.stable is not None and state.stable.version == stable
    assert (state.deploy, state.weight, state.mirror) == (None, 0, None)
    assert state.history[-1]["version"] == "v2"
    assert state.history[-1]["outcome"] == report.outcome
    assert report.exit_code == (0 if passes else 1)
