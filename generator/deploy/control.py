"""`status` and `rollback` as functions: read an environment's state, or put it back to stable by hand."""

from __future__ import annotations

from typing import Any

from generator.deploy.report import Emit, Event
from generator.deploy.stages import Opened, make_target, open_stage
from generator.deploy.state import LOCK_FILE, Session, StateStore, deploy_lock, lock_holder, lock_is_held
from generator.deploy.strategies.base import restore_stable
from generator.deploy.targets.base import CANDIDATE
from generator.location import Location
from generator.project import load
from generator.tracking.status import stage_models


def status(location: Location, stage: str | None) -> list[dict[str, Any]]:
    """One entry per environment (or the stage's): stable, in flight, weights, phase, tracks, lock."""
    loaded = load(location)
    names = [stage] if stage else [s.name for s in (loaded.spec.deploy.stages if loaded.spec.deploy else [])]
    seen: dict[str, dict[str, Any]] = {}
    for name in names:
        opened = open_stage(location, name)
        if opened.environment.name not in seen:
            seen[opened.environment.name] = _environment_status(opened)
        seen[opened.environment.name]["stages"].append(name)
    models = stage_models(loaded, names)
    if models is not None:
        for entry in seen.values():
            entry["models"] = models if "error" in models else {s: models[s] for s in entry["stages"]}
    return list(seen.values())


def _environment_status(opened: Opened) -> dict[str, Any]:
    env = opened.environment
    session = Session(StateStore(env.folder, env.name))
    state = session.state
    lock = env.folder / LOCK_FILE
    flight = state.deploy
    return {
        "environment": env.name,
        "stages": [],
        "stable": state.stable.model_dump() if state.stable else None,
        "weight": state.weight,
        "mirror": state.mirror.model_dump() if state.mirror else None,
        "in_flight": flight.model_dump(include={"stage", "strategy", "release", "step", "phase"})
        if flight
        else None,
        "deploying": lock_holder(lock) if lock_is_held(lock) else None,
        "history": state.history[-5:],
        **make_target(opened, session).describe(),
    }


def rollback(location: Location, stage: str, emit: Emit, *, down: bool = False) -> dict[str, Any]:
    """Stop any candidate and put all traffic on stable (with `down`: stop everything instead)."""
    opened = open_stage(location, stage)
    env = opened.environment
    with deploy_lock(env.folder, env.name, f"rollback --stage {stage}"):
        session = Session(StateStore(env.folder, env.name))
        target = make_target(opened, session)
        target.preflight(None)
        state = session.state
        candidate = target.running(CANDIDATE)
        if down:
            target.down()
            emit(Event(f"stopped every track and the router of '{env.name}'"))
        else:
            target.ensure_router()
            restore_stable(target, state.stable, lambda text: emit(Event(text)), env.health_timeout)
            stable = state.stable.version if state.stable else "none"
            emit(Event(f"'{env.name}': all traffic on stable {stable}; no candidate running"))
        if state.deploy is not None:
            entry = {
                "version": state.deploy.release.version,
                "stage": stage,
                "outcome": "rolled back by hand",
            }
            state.history = [*state.history[-49:], entry]
            state.deploy = None
        session.save()
        return {
            "environment": env.name,
            "stopped_candidate": candidate.version if candidate else None,
            "down": down,
        }
