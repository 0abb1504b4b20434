"""The `ci-gen.yaml` spec, version 1, as pydantic models: the single source of its schema and defaults."""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from generator.defaults import CONTAINER_PORT, HEALTH_TIMEOUT, KUBERNETES_HEALTH_TIMEOUT, STATE_DIR
from generator.spec.champion import ChampionSpec, ModelGates, is_relative
from generator.spec.monitor import MonitorSpec, RetrainSpec
from generator.spec.pack_ref import PackRef, TemplateSource
from generator.spec.tracking import TrackingField
from generator.spec.types import (
    ActionRef,
    Branch,
    BranchName,
    BuildArgValue,
    Command,
    Duration,
    EnvironmentName,
    Gate,
    ImageName,
    MetricName,
    Percent,
    Port,
    PythonVersion,
    RelPath,
    RunnerLabel,
    Slug,
    StateDir,
    StateFolder,
    Text,
    UrlPath,
)

StrategyName = Literal["basic", "shadow", "canary"]
TargetName = Literal["local", "kubernetes"]
RuntimeName = Literal["process", "podman", "docker"]
LockToolName = Literal["pip-tools", "uv"]

# The commit of this repository that carries the ci-gen Action used by generated workflows.
DEFAULT_ACTION = "ci-gen/ci-gen@83bf1bcc212e9ccd148b22a6339af8460a8718be"


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=False, validate_default=True
    )


def _shorthand(key: str, accepts: Any) -> BeforeValidator:
    """Let `python: "3.11"` stand for `python: {version: "3.11"}` and the like.

    `accepts` (the short form or the model) is what the JSON Schema says, so editors allow both forms.
    """

    def expand(value: Any) -> Any:
        return {key: value} if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value

    return BeforeValidator(expand, json_schema_input_type=accepts)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


RunsOn = Annotated[
    list[RunnerLabel],
    Field(min_length=1, max_length=10),
    BeforeValidator(_one_or_many, json_schema_input_type=RunnerLabel | list[RunnerLabel]),
]
HOSTED_RUNNER = "ubuntu-latest"
HOSTED_IMAGES = ("ubuntu-", "windows-", "macos-")


class PythonSpec(_Model):
    """The Python version: one for the lock, the tests and the container, so they cannot drift."""

    version: PythonVersion = Field(description="Used for the lock, the main test run and the container.")
    also_test: list[PythonVersion] = Field(
        default_factory=list, description="Extra versions for the test matrix (installed from the same lock)."
    )

    @model_validator(mode="after")
    def _distinct(self) -> PythonSpec:
        if self.version in self.also_test or len(set(self.also_test)) != len(self.also_test):
            raise ValueError("also-test repeats a version; list each extra version once")
        return self


_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def lock_kind(input_path: str) -> str:
    """compile: a .in file or pyproject.toml the lock tool compiles; pinned: a requirements .txt used
    as the lock itself; uv-lock: a uv project's uv.lock, checked (`uv lock --check`) and exported."""
    name = input_path.rsplit("/", 1)[-1]
    if name == "uv.lock":
        return "uv-lock"
    return "pinned" if name.endswith(".txt") else "compile"


class LockInput(_Model):
    """One lock: compiled from `input` with hashes, or the project's own lock adopted as it is."""

    input: RelPath = Field(
        description="Compiled: requirements*.in or pyproject.toml. Adopted as the lock: a pinned "
        "requirements*.txt, or uv.lock."
    )
    output: RelPath | None = Field(
        default=None, description="Defaults to the input with .txt (pyproject: requirements.txt)."
    )
    extras: list[Annotated[str, Field(pattern=_NAME)]] = Field(
        default_factory=list, description="Optional dependencies to include (pyproject.toml or uv.lock)."
    )
    groups: list[Annotated[str, Field(pattern=_NAME)]] = Field(
        default_factory=list,
        description="PEP 735 dependency groups to include (uv.lock, or pyproject.toml with lock-tool uv).",
    )
    hashes: bool = Field(
        default=True,
        description="An adopted requirements*.txt has --hash lines. false: installed without hashes, "
        "and pip resolves what it does not pin.",
    )

    @model_validator(mode="after")
    def _check(self) -> LockInput:
        kind, name = lock_kind(self.input), self.input.rsplit("/", 1)[-1]
        if kind == "compile" and name != "pyproject.toml" and not self.input.endswith(".in"):
            raise ValueError(
                f"'{self.input}' must be a requirements .in or .txt file, pyproject.toml or uv.lock"
            )
        if (self.extras or self.groups) and name not in ("pyproject.toml", "uv.lock"):
            raise ValueError(
                "extras and groups only apply to pyproject.toml and uv.lock; list the packages instead"
            )
        if self.output is not None and kind != "compile":
            raise ValueError(f"'{self.input}' is the lock itself; remove output")
        if self.output is not None and not self.output.endswith(".txt"):
            raise ValueError(f"lock file '{self.output}' must end in .txt")
        if not self.hashes and kind != "pinned":
            raise ValueError("hashes: false only applies to an adopted requirements .txt lock")
        return self

    @property
    def kind(self) -> str:
        return lock_kind(self.input)

    @property
    def lock(self) -> str:
        if self.output:
            return self.output
        if self.kind != "compile":
            return self.input
        if self.input.endswith(".in"):
            return self.input[:-3] + ".txt"
        folder = self.input.rpartition("/")[0]
        name = "requirements" + "".join(f"-{e}" for e in (*self.extras, *self.groups)) + ".txt"
        return f"{folder}/{name}" if folder else name


LockInputField = Annotated[LockInput, _shorthand("input", RelPath | LockInput)]


class Dependencies(_Model):
    """How dependencies are locked: pip-tools format with hashes, by pip-tools or uv."""

    lock_tool: LockToolName = Field(
        default="pip-tools",
        description="pip-compile, or uv pip compile (same format); uv also for uv.lock and groups.",
    )
    runtime: LockInputField = Field(
        default_factory=lambda: LockInput(input="requirements.in"),
        description="What the model needs to run; this lock is what the container installs.",
    )
    dev: list[LockInputField] = Field(
        default_factory=list, description="Extra locks installed for tests on top of the runtime lock."
    )

    @model_validator(mode="after")
    def _distinct_locks(self) -> Dependencies:
        # uv.lock serves several selections (runtime, dev groups); every other lock is one file each.
        inputs = (self.runtime, *self.dev)
        files = [i.lock for i in inputs if i.kind != "uv-lock"]
        selections = [(i.lock, *i.extras, "|", *i.groups) for i in inputs if i.kind == "uv-lock"]
        if len(set(files)) != len(files) or len(set(selections)) != len(selections):
            raise ValueError("two inputs lock to the same file; set `output` on one of them")
        return self

    @model_validator(mode="after")
    def _uv_where_needed(self) -> Dependencies:
        for item in (self.runtime, *self.dev):
            if self.lock_tool != "uv" and (item.kind == "uv-lock" or item.groups):
                what = "uv.lock" if item.kind == "uv-lock" else "[dependency-groups]"
                raise ValueError(f"{what} needs lock-tool: uv (pip-compile cannot read it)")
        return self


class TestSpec(_Model):
    """How the tests run (from the lock, with hashes)."""

    command: Command = Field(default="python -m pytest", description="Run from the repository root.")
    install_project: bool | None = Field(
        default=None,
        description="pip install the project itself (no deps). Default: yes with pyproject.toml.",
    )


class ModelSpec(_Model):
    """Train and evaluate the model, then gate on its metrics."""

    train: Command = Field(description="Command that trains the model and writes the artifacts.")
    evaluate: Command | None = Field(default=None, description="Command that writes the metrics file.")
    metrics: RelPath = Field(description="JSON file with a flat object of metric name -> number.")
    artifacts: list[RelPath] = Field(
        min_length=1,
        description="Files or folders uploaded as the model artifact (and baked into the image).",
    )
    gates: dict[MetricName, ModelGates] = Field(
        default_factory=dict,
        description='Metric thresholds, e.g. accuracy: ">= 0.90", or relative to the champion (the model '
        'serving a stage): ">= champion - 0.01", "<= champion * 1.1"; a list for several.',
    )
    timeout_minutes: Annotated[int, Field(ge=1, le=360)] = Field(default=60, description="Job time limit.")
    tracking: TrackingField = Field(
        default=None,
        description="Log runs to MLflow and register the model (optional); `true` takes every default.",
    )
    champion: ChampionSpec | None = Field(
        default=None,
        description="The champion to compare with, the first-release rule and the pull-request model report.",
    )

    @property
    def relative_gates(self) -> bool:
        """Whether any gate compares with the champion."""
        return any(is_relative(gate) for gates in self.gates.values() for gate in gates)


class ContainerSpec(_Model):
    """The model service's container: built and smoke-tested on PRs, pushed by digest on the main branch."""

    dockerfile: RelPath = Field(
        default="Dockerfile", description="Takes ARG PYTHON_VERSION from python.version."
    )
    context: RelPath = Field(default=".", description="Build context folder.")
    image: ImageName | None = Field(
        default=None, description="Registry image name. Default: ghcr.io/<owner>/<repository>, lower-cased."
    )
    port: Port = Field(
        default=CONTAINER_PORT,
        description="Port the service listens on inside the container; deploys publish it on loopback.",
    )
    health_path: UrlPath = Field(default="/health", description="Answers 200 when the model is ready.")
    predict_path: UrlPath = Field(default="/predict", description="JSON in, JSON out.")
    sample_request: RelPath | None = Field(
        default=None, description="JSON body POSTed to predict-path in the smoke test."
    )
    build_args: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], BuildArgValue] = Field(
        default_factory=dict, description="Extra build args (PYTHON_VERSION is always passed)."
    )

    @field_validator("build_args")
    @classmethod
    def _no_python_override(cls, value: dict[str, str]) -> dict[str, str]:
        if "PYTHON_VERSION" in value:
            raise ValueError("PYTHON_VERSION comes from python.version; remove it from build-args")
        return value


class DeployGates(_Model):
    """Gates judged on live traffic. Ratios compare the candidate with stable on the same window."""

    error_rate: Gate | None = Field(
        default="<= 0.01", description="Share of requests answered 5xx or failed."
    )
    error_rate_vs_stable: Gate | None = Field(default=None, description="Candidate error rate / stable's.")
    latency_p50_ms: Gate | None = Field(default=None, description="Candidate median latency in ms.")
    latency_p95_ms: Gate | None = Field(default=None, description="Candidate p95 latency in ms.")
    latency_p99_ms: Gate | None = Field(default=None, description="Candidate p99 latency in ms.")
    latency_p50_vs_stable: Gate | None = Field(default=None, description="Candidate p50 / stable p50.")
    latency_p95_vs_stable: Gate | None = Field(default=None, description="Candidate p95 / stable p95.")
    latency_p99_vs_stable: Gate | None = Field(default="<= 1.5", description="Candidate p99 / stable p99.")
    agreement: Gate | None = Field(
        default=None,
        description="Share of requests where candidate and stable predict the same (shadow, canary).",
    )
    min_requests: Annotated[int, Field(ge=0)] = Field(
        default=50, description="Fewer requests than this is inconclusive, which fails safe."
    )
    drift: Gate | None = Field(
        default=None,
        description="Largest input-feature PSI of the candidate's traffic against the reference profile "
        "(shadow, canary; needs monitor).",
    )
    prediction_drift: Gate | None = Field(
        default=None,
        description="PSI of the candidate's predictions against the profile's "
        "(shadow, canary; needs monitor).",
    )


class BasicSettings(_Model):
    verify: Duration = Field(default=60, description="How long to watch the new version before keeping it.")


class ShadowSettings(_Model):
    duration: Duration = Field(default=300, description="How long to mirror traffic.")
    mirror_percent: Percent = Field(
        default=100, description="Share of live requests copied to the candidate."
    )


class CanarySettings(_Model):
    steps: list[Percent] = Field(
        default_factory=lambda: [10, 50, 100],
        min_length=1,
        description="Candidate traffic percent at each step.",
    )
    interval: Duration = Field(default=300, description="Time at each step before it is judged.")

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: list[int]) -> list[int]:
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise ValueError(f"steps must increase, got {steps}")
        return steps


class Stage(_Model):
    """One deployment stage: one GitHub environment, one strategy."""

    name: Slug = Field(description="Stage name: `ci-gen deploy --stage NAME`, job deploy-NAME.")
    environment: EnvironmentName | None = Field(
        default=None, description="GitHub environment; default: name."
    )
    strategy: StrategyName = Field(
        description="basic: replace and verify; shadow: mirror, never answer; canary: steps."
    )
    basic: BasicSettings | None = Field(default=None, description="Settings when strategy is basic.")
    shadow: ShadowSettings | None = Field(default=None, description="Settings when strategy is shadow.")
    canary: CanarySettings | None = Field(default=None, description="Settings when strategy is canary.")
    gates: DeployGates = Field(default_factory=DeployGates, description="Judged on live traffic.")
    timeout_minutes: Annotated[int, Field(ge=1, le=360)] = Field(default=60, description="Job time limit.")
    runs_on: RunsOn = Field(
        default=[HOSTED_RUNNER],
        description="Runner labels of the deploy job, e.g. [self-hosted, prod-vm]; default: a hosted runner.",
    )

    @model_validator(mode="after")
    def _settings_match_strategy(self) -> Stage:
        for other in ("basic", "shadow", "canary"):
            if other != self.strategy and getattr(self, other) is not None:
                raise ValueError(
                    f"'{other}' settings given but the strategy is '{self.strategy}'; remove them"
                )
        return self

    @property
    def github_environment(self) -> str:
        return self.environment or self.name

    @property
    def self_hosted(self) -> bool:
        """True unless every label names one of GitHub's hosted images (ubuntu-24.04, ubuntu-latest...)."""
        return not all(label.startswith(HOSTED_IMAGES) for label in self.runs_on)


class LocalTarget(_Model):
    """The local target: each environment's tracks as processes or containers behind a private nginx."""

    runtime: RuntimeName = Field(
        default="process", description="process: run `serve` per track; podman/docker: run the image."
    )
    serve: Command | None = Field(
        default=None,
        description="Serve command (process runtime), run with PORT, HOST=127.0.0.1 and MODEL_PATH set.",
    )
    base_port: Port = Field(
        default=8080,
        description="The n-th environment (in stage order) uses ports base+10n (nginx) to base+10n+3.",
    )
    state_dir: StateFolder = Field(
        default=STATE_DIR,
        description="Deploy state, nginx config and logs: in the repository, or an absolute folder that "
        "outlives the checkout (on a self-hosted runner's host).",
    )
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], BuildArgValue] = Field(
        default_factory=dict, description="Extra environment for both tracks (stable and candidate)."
    )
    health_timeout: Duration = Field(
        default=HEALTH_TIMEOUT, description="How long a new track may take to be healthy."
    )
    traffic: RelPath | None = Field(
        default=None, description="JSONL request bodies sent through nginx while judging (rehearsals)."
    )
    traffic_rate: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=20, description="Requests per second of that synthetic traffic."
    )

    @model_validator(mode="after")
    def _serve_for_process(self) -> LocalTarget:
        if self.runtime == "process" and self.serve is None:
            raise ValueError("the process runtime needs `serve`, the command that starts one track")
        return self


_K8S_NAME = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
_K8S_KEY = r"^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$"
_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$"
K8sName = Annotated[str, Field(pattern=_K8S_NAME, description="A DNS label: a-z, 0-9 and -.")]
K8sKey = Annotated[str, Field(pattern=_K8S_KEY, description="A label or annotation key.")]
Quantity = Annotated[str, Field(pattern=_QUANTITY, examples=["250m", "512Mi"])]
ResourceName = Literal["cpu", "memory", "ephemeral-storage"]


def _resources(cpu: str, memory: str) -> dict[ResourceName, str]:
    return {"cpu": cpu, "memory": memory}


_PLACEHOLDER = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
QUERY_FIELDS = frozenset({"namespace", "service", "deployment", "track", "path", "window", "quantile"})


class KubernetesTarget(_Model):
    """The kubernetes target: a Deployment and Service per track, one Gateway API HTTPRoute in front."""

    namespace: K8sName = Field(description="Namespace of every resource ci-gen applies.")
    gateway: str = Field(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$",
        description="The Gateway the HTTPRoute attaches to: NAME, or NAMESPACE/NAME.",
    )
    listener: K8sName | None = Field(
        default=None, description="The Gateway listener (parentRef sectionName)."
    )
    hostnames: list[Annotated[str, Field(pattern=r"^(\*\.)?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]] = Field(
        default_factory=list, description="Host names the route answers (default: all of the listener's)."
    )
    port: Port = Field(
        default=80, description="Port of each track's Service (it forwards to container.port)."
    )
    replicas: Annotated[int, Field(ge=1, le=100)] = Field(default=2, description="Pods per track.")
    credentials: Literal["kubeconfig-secret", "aws-eks"] = Field(
        default="kubeconfig-secret",
        description="kubeconfig-secret: an environment secret holds a kubeconfig; aws-eks: OIDC to EKS.",
    )
    kubeconfig_secret: str = Field(
        default="KUBECONFIG",
        pattern=r"^[A-Z_][A-Z0-9_]{0,99}$",
        description="The GitHub secret that holds the kubeconfig.",
    )
    aws_role: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
        description="aws-eks: the IAM role the deploy job assumes through GitHub's OIDC token.",
    )
    aws_region: str | None = Field(
        default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$", description="aws-eks: the cluster's AWS region."
    )
    eks_cluster: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$",
        description="aws-eks: the EKS cluster's name.",
    )
    prometheus_url: str | None = Field(
        default=None, pattern=r"^https?://[^\s/$.?#][^\s]*$", description="Prometheus reached directly."
    )
    prometheus_token_over_http: bool = Field(
        default=False,
        description="Send CI_GEN_PROMETHEUS_TOKEN to an http:// prometheus-url (refused unless set).",
    )
    prometheus_service: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?:[0-9]{1,5}$",
        description="Prometheus reached through the API server's service proxy: NAMESPACE/SERVICE:PORT.",
    )
    metrics: Literal["service", "istio"] = Field(
        default="service",
        description="Default PromQL: the service's own /metrics by pod, or Istio's metrics by service.",
    )
    queries: dict[Literal["requests", "errors", "latency"], Text] = Field(
        default_factory=dict,
        description="PromQL overrides, with $namespace $service $deployment $track $path $window $quantile.",
    )
    requests: dict[ResourceName, Quantity] = Field(
        default_factory=lambda: _resources("100m", "256Mi"), description="Container resource requests."
    )
    limits: dict[ResourceName, Quantity] = Field(
        default_factory=lambda: _resources("1", "512Mi"), description="Container resource limits."
    )
    annotations: dict[K8sKey, BuildArgValue] = Field(default_factory=dict, description="Pod annotations.")
    node_selector: dict[K8sKey, BuildArgValue] = Field(default_factory=dict, description="Pod node selector.")
    tolerations: list[dict[Literal["key", "operator", "value", "effect", "tolerationSeconds"], str | int]] = (
        Field(default_factory=list, description="Pod tolerations, as Kubernetes writes them.")
    )
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], BuildArgValue] = Field(
        default_factory=dict, description="Extra environment for both tracks."
    )
    service_account: K8sName | None = Field(default=None, description="The pods' service account.")
    image_pull_secrets: list[K8sName] = Field(default_factory=list, description="Secrets to pull the image.")
    health_timeout: Duration = Field(
        default=KUBERNETES_HEALTH_TIMEOUT, description="How long a rollout may take to become available."
    )
    force_conflicts: bool = Field(
        default=False, description="Take over Deployment/Service fields another field manager owns."
    )
    state_dir: StateDir = Field(default=STATE_DIR, description="Local lock and cache of the deploy state.")

    @model_validator(mode="after")
    def _consistent(self) -> KubernetesTarget:
        if (self.prometheus_url is None) == (self.prometheus_service is None):
            raise ValueError(
                "set exactly one of prometheus-url and prometheus-service (NAMESPACE/SERVICE:PORT)"
            )
        aws = (self.aws_role, self.aws_region, self.eks_cluster)
        if self.credentials == "aws-eks" and None in aws:
            raise ValueError("credentials aws-eks needs aws-role, aws-region and eks-cluster")
        if self.credentials != "aws-eks" and any(aws):
            raise ValueError("aws-role, aws-region and eks-cluster only apply to credentials: aws-eks")
        for name, query in self.queries.items():
            unknown = set(_PLACEHOLDER.findall(query.replace("$$", ""))) - QUERY_FIELDS
            if unknown:
                known = ", ".join("$" + f for f in sorted(QUERY_FIELDS))
                raise ValueError(f"queries.{name} uses unknown ${sorted(unknown)[0]}; known: {known}")
        return self


class Deploy(_Model):
    """Staged deployment, in order, on the deploy branch only."""

    target: TargetName = Field(
        default="local", description="Where stages deploy: local (nginx) or kubernetes."
    )
    branch: BranchName | None = Field(
        default=None, description="Deploys run on pushes here; default: the first trigger branch."
    )
    stages: list[Stage] = Field(min_length=1, description="In order; each needs the one before.")
    local: LocalTarget | None = Field(default=None, description="Settings of the local target.")
    kubernetes: KubernetesTarget | None = Field(
        default=None, description="Settings of the kubernetes target."
    )

    @model_validator(mode="after")
    def _kubernetes_settings(self) -> Deploy:
        if self.target == "kubernetes" and self.kubernetes is None:
            raise ValueError(
                "the kubernetes target needs deploy.kubernetes: namespace, gateway and Prometheus"
            )
        return self

    @model_validator(mode="after")
    def _state_outlives_the_checkout(self) -> Deploy:
        # actions/checkout cleans the workspace (ignored files too), so a self-hosted host would lose
        # the record of what it runs at the next deploy.
        local = self.local or LocalTarget(runtime="podman")
        if (
            self.target == "local"
            and any(s.self_hosted for s in self.stages)
            and not local.state_dir.startswith("/")
        ):
            raise ValueError(
                "a stage runs on a self-hosted runner but deploy.local.state-dir is inside the checkout, "
                "which actions/checkout cleans; set state-dir to an absolute folder such as /srv/ci-gen"
            )
        return self

    @model_validator(mode="after")
    def _unique(self) -> Deploy:
        for attr in ("name", "github_environment"):
            seen: set[str] = set()
            for stage in self.stages:
                value = getattr(stage, attr)
                if value in seen:
                    raise ValueError(f"two stages share the {attr.replace('github_', '')} '{value}'")
                seen.add(value)
        return self


class Triggers(_Model):
    branches: list[Branch] = Field(
        default_factory=lambda: ["main"],
        min_length=1,
        description="Pushes and PRs to these run the pipeline.",
    )


class Spec(_Model):
    """ci-gen.yaml, version 1."""

    model_config = ConfigDict(title="ci-gen.yaml")

    version: Literal[1] = Field(description="Spec format version.")
    project: Slug = Field(description="Short name; used for job names and the default image.")
    python: Annotated[PythonSpec, _shorthand("version", PythonVersion | PythonSpec)] = Field(
        description='The one Python version ("3.11"), or {version, also-test} for a wider test matrix.'
    )
    dependencies: Dependencies = Field(default_factory=Dependencies)
    test: TestSpec = Field(default_factory=TestSpec)
    model: ModelSpec | None = Field(default=None, description="Train, evaluate and gate (optional).")
    container: ContainerSpec | None = Field(
        default=None, description="Build and smoke-test an image (optional)."
    )
    monitor: MonitorSpec | None = Field(
        default=None, description="Reference profile and drift monitoring (optional; needs model)."
    )
    retrain: RetrainSpec | None = Field(
        default=None, description="Scheduled or triggered retraining (optional; needs model)."
    )
    deploy: Deploy | None = Field(default=None, description="Staged deployment (optional; needs container).")
    triggers: Triggers = Field(default_factory=Triggers, description="Which branches run the pipeline.")
    templates: list[TemplateSource] = Field(
        default_factory=list,
        description="Template override folders (searched first), then platform packs, then the built-ins.",
    )
    action: ActionRef = Field(default=DEFAULT_ACTION, description="The ci-gen Action the workflows use.")

    @field_validator("deploy")
    @classmethod
    def _deploy_needs_container(cls, deploy: Deploy | None, info: ValidationInfo) -> Deploy | None:
        # A field validator, not a model one, so that the error points at the deploy section.
        # An invalid container is missing from info.data: it has its own error already.
        if deploy is not None and info.data.get("container", False) is None:
            raise ValueError("the stages deploy the built image; add a container section")
        return deploy

    @field_validator("monitor", "retrain")
    @classmethod
    def _needs_model(cls, value: Any, info: ValidationInfo) -> Any:
        # Field validators, so that each error points at the section to fix. False: the model section is
        # invalid and has its own error.
        if value is not None and info.data.get("model", False) is None:
            raise ValueError(f"{info.field_name} works on what the model job makes; add a model section")
        return value

    @field_validator("retrain")
    @classmethod
    def _on_drift_needs_monitor(cls, retrain: RetrainSpec | None, info: ValidationInfo) -> RetrainSpec | None:
        if retrain is not None and retrain.on_drift and info.data.get("monitor", False) is None:
            raise ValueError("on-drift needs a monitor section (the scheduled monitor finds the drift)")
        return retrain

    @field_validator("deploy")
    @classmethod
    def _monitor_fits_stages(cls, deploy: Deploy | None, info: ValidationInfo) -> Deploy | None:
        monitor = info.data.get("monitor", False)
        if deploy is None or monitor is False:
            return deploy
        names = [s.name for s in deploy.stages]
        for index, stage in enumerate(deploy.stages):
            if monitor is None and (stage.gates.drift or stage.gates.prediction_drift):
                raise ValueError(
                    f"stages[{index}] ('{stage.name}') gates on drift, which needs a monitor section "
                    "(its reference profile)"
                )
        for name in monitor.stages if monitor else []:
            if name not in names:
                raise ValueError(
                    f"monitor.stages names '{name}', which is not one of the stages: {', '.join(names)}"
                )
        return deploy

    @property
    def champion_stage(self) -> str | None:
        """The stage whose serving model the champion-relative gates compare with (None: no such gates)."""
        model, deploy = self.model, self.deploy
        if model is None or deploy is None or not (model.relative_gates or model.champion):
            return None
        if model.champion and model.champion.stage:
            return model.champion.stage
        serving = [s.name for s in deploy.stages if s.strategy != "shadow"]
        return serving[-1] if serving else None

    @model_validator(mode="after")
    def _deploy_branch(self) -> Spec:
        if self.deploy is not None and self.deploy.branch is None and "*" in self.triggers.branches[0]:
            raise ValueError(
                "the first trigger branch is a pattern; set deploy.branch to the branch that deploys"
            )
        return self

    @property
    def template_folders(self) -> list[str]:
        """The override folders of `templates:`, in order."""
        return [item for item in self.templates if isinstance(item, str)]

    @property
    def packs(self) -> list[tuple[int, PackRef]]:
        """The packs of `templates:` with their index there (for error positions), in order."""
        return [(i, item) for i, item in enumerate(self.templates) if isinstance(item, PackRef)]
