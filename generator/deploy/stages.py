"""A stage of the spec opened for work: its resolved deploy plan, its environment and its target.

`deploy`, `rollback`, `status`, `manifests`, `shadow-replay` and the monitor's log reader all start here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from generator.deploy.state import Session
from generator.deploy.targets import TARGETS, Environment
from generator.deploy.targets.base import Target
from generator.deploy_plan import DeployPlan
from generator.errors import UsageError
from generator.location import Location
from generator.project import Loaded, load
from generator.spec.model import Deploy


@dataclass(frozen=True)
class Opened:
    """A stage resolved against the spec: its environment and target, before anything is locked."""

    loaded: Loaded
    stage: DeployPlan
    environment: Environment


def open_stage(location: Location, name: str) -> Opened:
    """Load the spec and find the stage; every input problem is exit 2 before anything happens."""
    loaded = load(location)
    stage = find_stage(loaded, name)
    return Opened(loaded, stage, Environment.of(stage, loaded.spec, location.root))


def require_deploy(loaded: Loaded) -> Deploy:
    if loaded.spec.deploy is None:
        raise UsageError(
            f"{loaded.location.spec_name} has no deploy section, so there is nothing to deploy",
            hint="add deploy: {target: local, local: {serve: ...}, stages: [{name: prod, strategy: canary}]}",
        )
    return loaded.spec.deploy


def find_stage(loaded: Loaded, name: str) -> DeployPlan:
    """The stage's resolved deploy plan (exit 2 if the spec has no deploy section or no such stage)."""
    require_deploy(loaded)
    stages = {s.name: s.deploy for s in loaded.plan.stages}
    if name in stages:
        return stages[name]
    guess = difflib.get_close_matches(name, list(stages), n=1)
    hint = f"did you mean '{guess[0]}'?" if guess else None
    raise UsageError(f"no stage '{name}' in the spec; stages: {', '.join(stages)}", hint=hint)


def make_target(opened: Opened, session: Session) -> Target:
    return TARGETS[opened.stage.target](session, opened.environment)
