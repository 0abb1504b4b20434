"""The target registry: the spec's allowed `deploy.target` values are its keys.

A factory turns one environment of a loaded project into a Target; each target's package is imported
only when a deploy uses it (the kubernetes one needs the optional Kubernetes client).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.deploy.state import Session
from generator.deploy.targets.base import Target
from generator.deploy_plan import DeployPlan
from generator.errors import UsageError
from generator.spec.model import LocalTarget as LocalSettings
from generator.spec.model import Spec


@dataclass(frozen=True)
class Environment:
    """One environment of a spec, as its stage's resolved deploy plan describes it, with the repository
    root its state folder is relative to and the spec it comes from (the Kubernetes templates need it)."""

    plan: DeployPlan
    root: Path
    spec: Spec

    @classmethod
    def of(cls, plan: DeployPlan, spec: Spec, root: Path) -> Environment:
        return cls(plan, root, spec)

    @property
    def name(self) -> str:
        return self.plan.environment

    @property
    def index(self) -> int:
        """Position among the spec's environments (the local target gives each a block of ports)."""
        return self.plan.environment_index

    @property
    def folder(self) -> Path:
        return self.root / self.plan.state_folder

    @property
    def local(self) -> LocalSettings | None:
        return self.plan.local

    @property
    def settings(self) -> LocalSettings:
        """The local target's settings (an input error if the spec has none)."""
        return local_settings(self.spec)

    @property
    def health_timeout(self) -> float:
        return self.plan.health_timeout


def local_settings(spec: Spec) -> LocalSettings:
    if spec.deploy is None or spec.deploy.local is None:
        raise UsageError(
            "deploy.local is missing: the local target needs to know how to run a track",
            hint="add deploy.local with `serve: <command>` (process runtime) or `runtime: podman`",
        )
    return spec.deploy.local


def _local(session: Session, environment: Environment) -> Target:
    from generator.deploy.targets.local import make_local_target

    return make_local_target(session, environment)


def _kubernetes(session: Session, environment: Environment) -> Target:
    from generator.deploy.targets.kubernetes import make_kubernetes_target

    return make_kubernetes_target(session, environment)


TARGETS: dict[str, Callable[[Session, Environment], Target]] = {
    "local": _local,
    "kubernetes": _kubernetes,
}
