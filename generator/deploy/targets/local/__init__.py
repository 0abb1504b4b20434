"""The local target: tracks as processes or containers on this machine, nginx in front."""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.deploy.state import Session
from generator.deploy.targets.local.router import Ports
from generator.deploy.targets.local.runtimes import make_runtime
from generator.deploy.targets.local.target import LocalTarget

if TYPE_CHECKING:
    from generator.deploy.targets import Environment


def make_local_target(session: Session, environment: Environment) -> LocalTarget:
    settings = environment.settings
    return LocalTarget(
        session,
        environment.folder,
        Ports.block(settings.base_port + 10 * environment.index),
        make_runtime(settings.runtime, settings.serve),
        workdir=environment.root,
        env=dict(settings.env),
        health_path=environment.plan.health_path,
        predict_path=environment.plan.predict_path,
        container_port=environment.plan.container_port,
    )
