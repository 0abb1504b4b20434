"""Resolve a validated spec into a Plan: every default filled, every derived value computed.

Templates read only the Plan, so they stay declarative and a platform team's override sees the same
values as the built-ins.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace

from generator import __version__
from generator.deploy_plan import DeployPlan, resolve_deploy_plans
from generator.locking import LOCK_TOOLS, LockJob
from generator.locking.tools import uv_check_argv, uv_export_argv, uv_lock_argv
from generator.monitor.plan import MonitorPlan, RetrainPlan, monitor_plan, retrain_plan
from generator.resources import action_pins
from generator.spec.champion import artifact_name
from generator.spec.model import DEFAULT_ACTION, KubernetesTarget, LockInput, Spec, Stage
from generator.spec.tracking import TrackingSpec

# When the main branch pushes, these events and refs deploy; everything else only builds and tests.
DEPLOY_CONDITION = "github.event_name == 'push' && github.ref == '{ref}'"
# With retrain.then: deploy, the retraining workflow starts the pipeline on the deploy branch by hand.
DISPATCH_DEPLOY_CONDITION = (
    "(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == '{ref}'"
)


@dataclass(frozen=True)
class Lock:
    input: str
    output: str
    extras: tuple[str, ...]
    compile_command: str  # with the output path as $LOCK_OUT, for the freshness check ("" when adopted)
    fix_command: str  # what a developer runs to regenerate it
    kind: str = "compile"  # compile | pinned (a requirements .txt used as is) | uv-lock
    groups: tuple[str, ...] = ()
    hashes: bool = True
    check_command: str = ""  # uv-lock: fails when uv.lock is stale
    export_command: str = ""  # uv-lock: writes the selection's pins with hashes to "$EXPORT_OUT"

    @property
    def job(self) -> LockJob:
        return LockJob(self.input, self.output, self.extras, self.groups)


@dataclass(frozen=True)
class Gate:
    metric: str
    op: str
    threshold: str

    @property
    def text(self) -> str:
        return f"{self.op} {self.threshold}"


@dataclass(frozen=True)
class TrackingPlan:
    """How the jobs reach MLflow: a server through secrets, else the model job's embedded store."""

    store: str
    registry: bool
    uri_secret: str | None
    token_secret: str | None
    environment: str

    @property
    def server_env(self) -> tuple[tuple[str, str], ...]:
        """(variable, secret) pairs for the steps that talk to the server."""
        pairs = (("MLFLOW_TRACKING_URI", self.uri_secret), ("MLFLOW_TRACKING_TOKEN", self.token_secret))
        return tuple((name, secret) for name, secret in pairs if secret)

    @property
    def lineage(self) -> bool:
        """Whether the deploy jobs record images, aliases and rollbacks (they need a server to reach)."""
        return self.registry and self.uri_secret is not None


@dataclass(frozen=True)
class ModelPlan:
    train: str
    evaluate: str | None
    metrics: str
    artifacts: tuple[str, ...]
    gates: tuple[Gate, ...]
    timeout_minutes: int
    champion: ChampionPlan | None = None  # gates against the champion, the model report, the PR replay
    tracking: TrackingPlan | None = None

    @property
    def gates_env(self) -> str:
        """The gates as one line `metric op threshold;...` for the gate-checking step."""
        return ";".join(f"{g.metric} {g.text}" for g in self.gates)


@dataclass(frozen=True)
class ChampionPlan:
    """The model job judges with `ci-gen model-report`: the champion is the model `stage` serves, kept
    by that stage's deploy job as the artifact `artifact`."""

    stage: str
    artifact: str
    comment: bool  # post the report on the pull request (a separate job)
    replay: bool  # the model job serves both models and replays recorded requests


@dataclass(frozen=True)
class ContainerPlan:
    dockerfile: str
    context: str
    image: str | None  # None: derived at run time from the repository name
    port: int
    health_path: str
    predict_path: str
    sample_request: str | None
    build_args: tuple[tuple[str, str], ...]

    @property
    def registry(self) -> str:
        return self.image.split("/", 1)[0] if self.image else "ghcr.io"


@dataclass(frozen=True)
class StagePlan:
    name: str
    job_id: str
    environment: str
    strategy: str
    needs: tuple[str, ...]
    concurrency_group: str
    timeout_minutes: int
    deploy_args: str
    deploy: DeployPlan  # what `ci-gen deploy --stage NAME` runs, every default filled
    runs_on: tuple[str, ...] = ("ubuntu-latest",)
    self_hosted: bool = False
    drift_gates: bool = False  # the deploy job needs the model artifact's reference profile
    keeps_champion: bool = False  # on promotion, upload the model as the champion's artifact


@dataclass(frozen=True)
class Plan:
    """Everything the templates need, resolved from one spec."""

    spec_path: str
    project: str
    python: str
    python_matrix: tuple[str, ...]
    lock_tool: str
    lock_tool_requirement: str
    lock_env: tuple[tuple[str, str], ...]
    runtime_lock: Lock
    dev_locks: tuple[Lock, ...]
    test_command: str
    install_project: bool
    model: ModelPlan | None
    container: ContainerPlan | None
    stages: tuple[StagePlan, ...]
    target: str | None
    branches: tuple[str, ...]
    deploy_ref: str
    deploy_condition: str
    action: str
    pip_cache: bool
    uses: dict[str, str] = field(default_factory=dict)
    template_folders: tuple[str, ...] = ()
    action_version: str = ""  # the comment after the pinned ci-gen Action, when it is the default
    version: str = __version__
    kubernetes: KubernetesTarget | None = None  # the kubernetes target's settings, when it is the target
    monitor: MonitorPlan | None = None  # the reference profile and the scheduled monitor workflow
    retrain: RetrainPlan | None = None  # the retraining workflow

    @property
    def locks(self) -> tuple[Lock, ...]:
        return (self.runtime_lock, *self.dev_locks)

    @property
    def lock_files(self) -> tuple[str, ...]:
        """Each lock file once (a uv.lock may serve several selections)."""
        return tuple(dict.fromkeys(lock.output for lock in self.locks))

    @property
    def checked_locks(self) -> tuple[Lock, ...]:
        """The locks the lock job checks: each file once."""
        return tuple({lock.output: lock for lock in reversed(self.locks)}[f] for f in self.lock_files)

    @property
    def hashed_files(self) -> tuple[str, ...]:
        """Lock files pip installs with --require-hashes, as they are in the repository."""
        return tuple(k.output for k in self.locks if k.kind != "uv-lock" and k.hashes)

    @property
    def unhashed_files(self) -> tuple[str, ...]:
        return tuple(k.output for k in self.locks if not k.hashes)

    @property
    def uv_requirement(self) -> str:
        return LOCK_TOOLS["uv"].requirement

    @property
    def exports(self) -> tuple[Lock, ...]:
        """uv.lock selections, exported with hashes before they are installed."""
        return tuple(k for k in self.locks if k.kind == "uv-lock")

    def stage(self, name: str) -> StagePlan | None:
        return next((stage for stage in self.stages if stage.name == name), None)


def resolve_plan(spec: Spec, spec_path: str = "ci-gen.yaml") -> Plan:
    """Derive the Plan from a validated spec. Pure: no file system, no clock."""
    deploy_branch = (
        spec.deploy.branch if spec.deploy and spec.deploy.branch else None
    ) or spec.triggers.branches[0]
    tool = LOCK_TOOLS[spec.dependencies.lock_tool]
    return Plan(
        spec_path=spec_path,
        project=spec.project,
        python=spec.python.version,
        python_matrix=(spec.python.version, *spec.python.also_test),
        lock_tool=tool.name,
        lock_tool_requirement=tool.requirement,
        lock_env=tuple(sorted(tool.environment().items())),
        runtime_lock=_lock(spec, spec.dependencies.runtime, dev=False),
        dev_locks=tuple(_lock(spec, d, dev=True) for d in spec.dependencies.dev),
        test_command=spec.test.command,
        install_project=_install_project(spec),
        model=_model(spec),
        container=_container(spec),
        stages=_stages(spec),
        target=spec.deploy.target if spec.deploy else None,
        branches=tuple(spec.triggers.branches),
        deploy_ref=f"refs/heads/{deploy_branch}",
        deploy_condition=_deploy_condition(spec).format(ref=f"refs/heads/{deploy_branch}"),
        action=spec.action,
        pip_cache=not any("release" in branch for branch in spec.triggers.branches),
        uses=_uses(),
        template_folders=tuple(spec.template_folders),
        action_version=f"v{__version__}" if spec.action == DEFAULT_ACTION else "",
        kubernetes=spec.deploy.kubernetes if spec.deploy and spec.deploy.target == "kubernetes" else None,
        monitor=monitor_plan(spec),
        retrain=retrain_plan(spec),
    )


def _deploy_condition(spec: Spec) -> str:
    handover = spec.retrain is not None and spec.retrain.then == "deploy"
    return DISPATCH_DEPLOY_CONDITION if handover else DEPLOY_CONDITION


def _lock(spec: Spec, lock_input: LockInput, *, dev: bool) -> Lock:
    tool = LOCK_TOOLS[spec.dependencies.lock_tool]
    job = LockJob(lock_input.input, lock_input.lock, tuple(lock_input.extras), tuple(lock_input.groups))
    base = Lock(job.input, job.output, job.extras, "", "", lock_input.kind, job.groups, lock_input.hashes)
    if lock_input.kind == "pinned":
        return base
    if lock_input.kind == "uv-lock":
        export = shlex.join(uv_export_argv(job, "EXPORT_OUT", dev=dev)).replace("EXPORT_OUT", '"$EXPORT_OUT"')
        return replace(
            base,
            fix_command=shlex.join(uv_lock_argv(job)),
            check_command=shlex.join(uv_check_argv(job)),
            export_command=export,
        )
    fresh = tool.compile_argv(job, spec.python.version, "LOCK_OUT")
    fix = tool.compile_argv(job, spec.python.version, job.output)
    return replace(
        base,
        compile_command=shlex.join(fresh).replace("LOCK_OUT", '"$LOCK_OUT"'),
        fix_command=shlex.join(fix),
    )


def _install_project(spec: Spec) -> bool:
    if spec.test.install_project is not None:
        return spec.test.install_project
    return spec.dependencies.runtime.input.rsplit("/", 1)[-1] in ("pyproject.toml", "uv.lock")


def _model(spec: Spec) -> ModelPlan | None:
    if spec.model is None:
        return None
    gates = tuple(
        Gate(name, *expr.split(" ", 1)) for name, exprs in sorted(spec.model.gates.items()) for expr in exprs
    )
    champion = _champion(spec)
    # The reference profile travels with the model it describes; so do the metrics the champion is read from.
    extra: tuple[str, ...] = (spec.monitor.profile,) if spec.monitor else ()
    extra += (spec.model.metrics,) if champion else ()
    missing = tuple(dict.fromkeys(path for path in extra if path not in spec.model.artifacts))
    return ModelPlan(
        train=spec.model.train,
        evaluate=spec.model.evaluate,
        metrics=spec.model.metrics,
        artifacts=(*spec.model.artifacts, *missing),
        gates=gates,
        timeout_minutes=spec.model.timeout_minutes,
        champion=champion,
        tracking=_tracking(spec.model.tracking),
    )


def _champion(spec: Spec) -> ChampionPlan | None:
    stage = spec.champion_stage
    if stage is None or spec.model is None:
        return None
    settings = spec.model.champion
    return ChampionPlan(
        stage=stage,
        artifact=artifact_name(stage),
        comment=bool(settings and settings.comment),
        replay=bool(settings and settings.replay),
    )


def _tracking(tracking: TrackingSpec | None) -> TrackingPlan | None:
    if tracking is None:
        return None
    return TrackingPlan(
        tracking.store, tracking.registry, tracking.uri_secret, tracking.token_secret, tracking.environment
    )


def _container(spec: Spec) -> ContainerPlan | None:
    c = spec.container
    if c is None:
        return None
    return ContainerPlan(
        dockerfile=c.dockerfile,
        context=c.context,
        image=c.image,
        port=c.port,
        health_path=c.health_path,
        predict_path=c.predict_path,
        sample_request=c.sample_request,
        build_args=(("PYTHON_VERSION", spec.python.version), *sorted(c.build_args.items())),
    )


def _stages(spec: Spec) -> tuple[StagePlan, ...]:
    if spec.deploy is None:
        return ()
    plans: list[StagePlan] = []
    previous: str | None = None
    for stage, deploy in zip(spec.deploy.stages, resolve_deploy_plans(spec), strict=True):
        plans.append(_stage(stage, deploy, previous, keeps_champion=stage.name == spec.champion_stage))
        previous = plans[-1].job_id
    return tuple(plans)


def _stage(stage: Stage, deploy: DeployPlan, previous: str | None, *, keeps_champion: bool) -> StagePlan:
    job_id = f"deploy-{stage.name}"
    return StagePlan(
        name=stage.name,
        job_id=job_id,
        environment=stage.github_environment,
        strategy=stage.strategy,
        needs=("build", previous) if previous else ("build",),
        concurrency_group=f"ci-gen-deploy-{stage.github_environment}",
        timeout_minutes=stage.timeout_minutes,
        deploy_args=f"--stage {shlex.quote(stage.name)}",
        deploy=deploy,
        runs_on=tuple(stage.runs_on),
        self_hosted=stage.self_hosted,
        drift_gates=stage.gates.drift is not None or stage.gates.prediction_drift is not None,
        keeps_champion=keeps_champion,
    )


def _uses() -> dict[str, str]:
    """`uses:` lines for every pinned action, `owner/repo@sha # version`, keyed by `owner/repo`."""
    return {name: f"{name}@{pin['sha']} # {pin['version']}" for name, pin in sorted(action_pins().items())}
