"""Each stage's deploy settings, resolved once from the spec with every default filled.

The deploy driver, the strategies, the Kubernetes manifests and the workflow templates read these, so a
default (a strategy's steps, the state folder, the health timeout) is decided here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.defaults import HEALTH_TIMEOUT, STATE_DIR
from generator.spec.model import (
    BasicSettings,
    CanarySettings,
    ContainerSpec,
    DeployGates,
    KubernetesTarget,
    LocalTarget,
    ShadowSettings,
    Spec,
    Stage,
)


@dataclass(frozen=True)
class BasicPlan:
    verify: float  # seconds the new version is watched before it is kept


@dataclass(frozen=True)
class ShadowPlan:
    duration: float  # seconds of mirrored traffic
    mirror_percent: int


@dataclass(frozen=True)
class CanaryPlan:
    steps: tuple[int, ...]  # candidate traffic percent at each step
    interval: float  # seconds at each step


StrategyPlan = BasicPlan | ShadowPlan | CanaryPlan


@dataclass(frozen=True)
class DeployPlan:
    """One stage as `ci-gen deploy --stage NAME` runs it.

    `local` and `kubernetes` are the target's own section of the spec (its defaults filled by the spec);
    the one the target needs is None only when the spec lacks it, which the target reports as bad input.
    """

    name: str  # the stage
    environment: str  # the GitHub environment, which names the deploy state
    environment_index: int  # position among the spec's environments (the local target's port block)
    target: str
    strategy: str
    settings: StrategyPlan
    gates: DeployGates
    state_dir: str  # the state folder of all environments: relative to the repository root, or absolute
    state_folder: str  # this environment's folder inside it
    health_timeout: float
    container_port: int
    health_path: str
    predict_path: str
    sample_request: str | None  # a JSON body file the first version must answer (none in the spec: None)
    local: LocalTarget | None
    kubernetes: KubernetesTarget | None


def resolve_deploy_plans(spec: Spec) -> tuple[DeployPlan, ...]:
    """A DeployPlan per stage, in the spec's order (none without a deploy section)."""
    if spec.deploy is None:
        return ()
    environments = list(dict.fromkeys(s.github_environment for s in spec.deploy.stages))
    return tuple(
        _deploy_plan(spec, stage, environments.index(stage.github_environment))
        for stage in spec.deploy.stages
    )


def _deploy_plan(spec: Spec, stage: Stage, index: int) -> DeployPlan:
    assert spec.deploy is not None
    deploy, container = spec.deploy, spec.container or ContainerSpec()
    target_settings = deploy.kubernetes if deploy.target == "kubernetes" else deploy.local
    state_dir = target_settings.state_dir if target_settings is not None else STATE_DIR
    timeout = target_settings.health_timeout if target_settings is not None else HEALTH_TIMEOUT
    return DeployPlan(
        name=stage.name,
        environment=stage.github_environment,
        environment_index=index,
        target=deploy.target,
        strategy=stage.strategy,
        settings=strategy_plan(stage),
        gates=stage.gates,
        state_dir=state_dir,
        state_folder=f"{state_dir}/{stage.github_environment.replace(' ', '-')}",
        health_timeout=float(timeout),
        container_port=container.port,
        health_path=container.health_path,
        predict_path=container.predict_path,
        sample_request=container.sample_request,
        local=deploy.local,
        kubernetes=deploy.kubernetes,
    )


def strategy_plan(stage: Stage) -> StrategyPlan:
    """The stage's strategy settings, the spec's defaults filled in."""
    if stage.strategy == "basic":
        basic = stage.basic or BasicSettings()
        return BasicPlan(verify=float(basic.verify))
    if stage.strategy == "shadow":
        shadow = stage.shadow or ShadowSettings()
        return ShadowPlan(duration=float(shadow.duration), mirror_percent=shadow.mirror_percent)
    canary = stage.canary or CanarySettings()
    return CanaryPlan(steps=tuple(canary.steps), interval=float(canary.interval))
