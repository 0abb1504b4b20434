"""`ci-gen shadow-replay` as a function: work out what to compare, start it if needed, replay, judge."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.deploy.driver import read_bodies
from generator.deploy.release import Release, artifact_release, image_release
from generator.deploy.report import DeployReport, Emit
from generator.deploy.shadow_replay import ReplayPlan, replay, started
from generator.deploy.stages import find_stage, require_deploy
from generator.deploy.targets import local_settings
from generator.deploy.targets.local.runtimes import make_runtime
from generator.errors import UsageError
from generator.location import Location
from generator.project import Loaded, load
from generator.spec.model import DeployGates

# Without a stage to take gates from, the default gates plus agreement: the point of a shadow verdict.
DEFAULT_AGREEMENT = ">= 0.95"


@dataclass(frozen=True)
class ReplayRequest:
    location: Location
    requests: Path
    stable_url: str | None
    candidate_url: str | None
    stable: str | None
    candidate: str | None
    stage: str | None
    repeat: int = 1
    concurrency: int = 4
    min_requests: int | None = None


def run_replay(request: ReplayRequest, emit: Emit) -> DeployReport:
    urls = (request.stable_url, request.candidate_url)
    releases = (request.stable, request.candidate)
    if not (all(urls) and not any(releases)) and not (all(releases) and not any(urls)):
        raise UsageError(
            "give either --stable-url and --candidate-url, or --stable and --candidate (releases to start)"
        )
    bodies = read_bodies(request.location.root / request.requests)
    loaded = load(request.location) if request.stage or request.stable else None
    plan = ReplayPlan(bodies, _gates(loaded, request), request.repeat, request.concurrency)
    if request.stable_url and request.candidate_url:
        return replay(plan, request.stable_url, request.candidate_url, emit)
    assert loaded is not None
    return _replay_releases(loaded, request, plan, emit)


def _gates(loaded: Loaded | None, request: ReplayRequest) -> DeployGates:
    if loaded is not None and request.stage:
        gates = find_stage(loaded, request.stage).gates
    else:
        gates = DeployGates().model_copy(update={"agreement": DEFAULT_AGREEMENT})
    if request.min_requests is not None:
        gates = gates.model_copy(update={"min_requests": request.min_requests})
    return gates


def _replay_releases(loaded: Loaded, request: ReplayRequest, plan: ReplayPlan, emit: Emit) -> DeployReport:
    require_deploy(loaded)
    settings = local_settings(loaded.spec)
    runtime = make_runtime(settings.runtime, settings.serve)
    releases = {
        name: _release(loaded, settings.runtime, str(value))
        for name, value in (("stable", request.stable), ("candidate", request.candidate))
    }
    for release in releases.values():
        runtime.preflight(release)
    container = loaded.spec.container
    assert container is not None
    with started(
        runtime,
        releases,
        loaded.location.root,
        dict(settings.env),
        container.health_path,
        float(settings.health_timeout),
        container.port,
    ) as ports:
        urls = [f"http://127.0.0.1:{ports[name]}{container.predict_path}" for name in ("stable", "candidate")]
        return replay(plan, urls[0], urls[1], emit)


def _release(loaded: Loaded, runtime: str, value: str) -> Release:
    if runtime == "process":
        return artifact_release(loaded.location.root / value, None)
    return image_release(value)
