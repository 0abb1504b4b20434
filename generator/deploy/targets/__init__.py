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
from generator.errors import UsageError
from generator.spec.model import ContainerSpec, Spec, Stage
from generator.spec.model import LocalTarget as LocalSettings


@dataclass(frozen=True)
class Environment:
    """One environment of a spec: its name, its position among the spec's environments (the local target
    gives each a block of ports), its state folder, and the spec it comes from."""

    name: str
    index: int
    folder: Path
    root: Path
    spec: Spec

    @classmethod
    def of(cls, spec: Spec, stage: Stage, root: Path) -> Environment:
        assert spec.deploy is not None
        names = list(dict.fromkeys(s.github_environment for s in spec.deploy.stages))
        settings = spec.deploy.local or spec.deploy.kubernetes
        state_dir = settings.state_dir if settings is not None else ".ci-gen-state"
        name = stage.github_environment
        return cls(name, names.index(name), root / state_dir / name.replace(" ", "-"), root, spec)

    @property
    def container(self) -> ContainerSpec:
        return self.spec.container or ContainerSpec()

    @property
    def local(self) -> LocalSettings | None:
        return self.spec.deploy.local if self.spec.deploy else None

    @property
    def settings(self) -> LocalSettings:
        """The local target's settings (an input error if the spec has none)."""
        return local_settings(self.spec)

    @property
    def health_timeout(self) -> float:
        settings = (self.spec.deploy.local or self.spec.deploy.kubernetes) if self.spec.deploy else None
        return float(settings.health_timeout) if settings is not None else 60.0


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
