"""The `ci-gen.yaml` spec, version 1, as pydantic models: the single source of its schema and defaults."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

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
    Slug,
    UrlPath,
)

StrategyName = Literal["basic", "shadow", "canary"]
TargetName = Literal["local", "kubernetes"]
LockToolName = Literal["pip-tools", "uv"]

# The commit of this repository that carries the ci-gen Action used by generated workflows.
DEFAULT_ACTION = "ci-gen/ci-gen@0000000000000000000000000000000000000000"


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=False, validate_default=True
    )


def _shorthand(key: str) -> BeforeValidator:
    """Let `python: "3.11"` stand for `python: {version: "3.11"}` and the like."""

    def expand(value: Any) -> Any:
        return {key: value} if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value

    return BeforeValidator(expand)


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


class LockInput(_Model):
    """One lock file: compiled from `input` (a requirements .in file or pyproject.toml) with hashes."""

    input: RelPath = Field(description="requirements*.in or pyproject.toml")
    output: RelPath | None = Field(default=None, description="Defaults to the input with .txt (pyproject: requirements.txt).")
    extras: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]] = Field(
        default_factory=list, description="Optional dependency groups to include (pyproject.toml only)."
    )

    @model_validator(mode="after")
    def _check(self) -> LockInput:
        is_pyproject = self.input.rsplit("/", 1)[-1] == "pyproject.toml"
        if not is_pyproject and not self.input.endswith(".in"):
            raise ValueError(f"'{self.input}' must be a requirements .in file or pyproject.toml")
        if self.extras and not is_pyproject:
            raise ValueError("extras only apply to pyproject.toml; list the packages in the .in file instead")
        if self.output is not None and not self.output.endswith(".txt"):
            raise ValueError(f"lock file '{self.output}' must end in .txt")
        return self

    @property
    def lock(self) -> str:
        if self.output:
            return self.output
        if self.input.endswith(".in"):
            return self.input[:-3] + ".txt"
        folder = self.input.rpartition("/")[0]
        name = "requirements" + "".join(f"-{e}" for e in self.extras) + ".txt"
        return f"{folder}/{name}" if folder else name


LockInputField = Annotated[LockInput, _shorthand("input")]


class Dependencies(_Model):
    """How dependencies are locked: pip-tools format with hashes, by pip-tools or uv."""

    lock_tool: LockToolName = Field(default="pip-tools", description="pip-compile, or uv pip compile (same format).")
    runtime: LockInputField = Field(
        default_factory=lambda: LockInput(input="requirements.in"),
        description="What the model needs to run; this lock is what the container installs.",
    )
    dev: list[LockInputField] = Field(
        default_factory=list, description="Extra locks installed for tests on top of the runtime lock."
    )

    @model_validator(mode="after")
    def _distinct_locks(self) -> Dependencies:
        locks = [self.runtime.lock, *(d.lock for d in self.dev)]
        if len(set(locks)) != len(locks):
            raise ValueError("two inputs lock to the same file; set `output` on one of them")
        return self


class TestSpec(_Model):
    """How the tests run (from the lock, with hashes)."""

    command: Command = Field(default="python -m pytest", description="Run from the repository root.")
    install_project: bool | None = Field(
        default=None, description="pip install the project itself (no deps). Default: yes with pyproject.toml."
    )


class ModelSpec(_Model):
    """Train and evaluate the model, then gate on its metrics."""

    train: Command = Field(description="Command that trains the model and writes the artifacts.")
    evaluate: Command | None = Field(default=None, description="Command that writes the metrics file.")
    metrics: RelPath = Field(description="JSON file with a flat object of metric name -> number.")
    artifacts: list[RelPath] = Field(
        min_length=1, description="Files or folders uploaded as the model artifact (and baked into the image)."
    )
    gates: dict[MetricName, Gate] = Field(
        default_factory=dict, description='Metric thresholds, e.g. accuracy: ">= 0.90".'
    )
    timeout_minutes: Annotated[int, Field(ge=1, le=360)] = 60


class ContainerSpec(_Model):
    """The model service's container: built and smoke-tested on PRs, pushed by digest on the main branch."""

    dockerfile: RelPath = "Dockerfile"
    context: RelPath = "."
    image: ImageName | None = Field(
        default=None, description="Registry image name. Default: ghcr.io/<owner>/<repository>, lower-cased."
    )
    port: Port = 8000
    health_path: UrlPath = "/health"
    predict_path: UrlPath = "/predict"
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

    error_rate: Gate | None = Field(default="<= 0.01", description="Share of requests answered 5xx or failed.")
    error_rate_vs_stable: Gate | None = None
    latency_p50_ms: Gate | None = None
    latency_p95_ms: Gate | None = None
    latency_p99_ms: Gate | None = None
    latency_p50_vs_stable: Gate | None = None
    latency_p95_vs_stable: Gate | None = None
    latency_p99_vs_stable: Gate | None = Field(default="<= 1.5", description="Candidate p99 / stable p99.")
    agreement: Gate | None = Field(
        default=None, description="Share of requests where candidate and stable predict the same (shadow, canary)."
    )
    min_requests: Annotated[int, Field(ge=0)] = Field(
        default=50, description="Fewer requests than this is inconclusive, which fails safe."
    )


class BasicSettings(_Model):
    verify: Duration = Field(default=60, description="How long to watch the new version before keeping it.")


class ShadowSettings(_Model):
    duration: Duration = Field(default=300, description="How long to mirror traffic.")
    mirror_percent: Percent = Field(default=100, description="Share of live requests copied to the candidate.")


class CanarySettings(_Model):
    steps: list[Percent] = Field(default_factory=lambda: [10, 50, 100], min_length=1)
    interval: Duration = Field(default=300, description="Time at each step before it is judged.")

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: list[int]) -> list[int]:
        if any(b <= a for a, b in zip(steps, steps[1:])):
            raise ValueError(f"steps must increase, got {steps}")
        return steps


class Stage(_Model):
    """One deployment stage: one GitHub environment, one strategy."""

    name: Slug
    environment: EnvironmentName | None = Field(default=None, description="GitHub environment; default: name.")
    strategy: StrategyName
    basic: BasicSettings | None = None
    shadow: ShadowSettings | None = None
    canary: CanarySettings | None = None
    gates: DeployGates = Field(default_factory=DeployGates)
    timeout_minutes: Annotated[int, Field(ge=1, le=360)] = 60

    @model_validator(mode="after")
    def _settings_match_strategy(self) -> Stage:
        for other in ("basic", "shadow", "canary"):
            if other != self.strategy and getattr(self, other) is not None:
                raise ValueError(f"'{other}' settings given but the strategy is '{self.strategy}'; remove them")
        return self

    @property
    def github_environment(self) -> str:
        return self.environment or self.name


class Deploy(_Model):
    """Staged deployment, in order, on the deploy branch only."""

    target: TargetName = "local"
    branch: BranchName | None = Field(
        default=None, description="Deploys run on pushes here; default: the first trigger branch."
    )
    stages: list[Stage] = Field(min_length=1)

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
    branches: list[Branch] = Field(default_factory=lambda: ["main"], min_length=1)


class Spec(_Model):
    """ci-gen.yaml, version 1."""

    model_config = ConfigDict(title="ci-gen.yaml")

    version: Literal[1] = Field(description="Spec format version.")
    project: Slug = Field(description="Short name; used for job names and the default image.")
    python: Annotated[PythonSpec, _shorthand("version")]
    dependencies: Dependencies = Field(default_factory=Dependencies)
    test: TestSpec = Field(default_factory=TestSpec)
    model: ModelSpec | None = None
    container: ContainerSpec | None = None
    deploy: Deploy | None = None
    triggers: Triggers = Field(default_factory=Triggers)
    templates: list[RelPath] = Field(
        default_factory=list, description="Template override folders, searched before the built-ins."
    )
    action: ActionRef = Field(default=DEFAULT_ACTION, description="The ci-gen Action the workflows use.")

    @model_validator(mode="after")
    def _deploy_needs_container(self) -> Spec:
        if self.deploy is not None and self.container is None:
            raise ValueError("deploy needs a container section: stages deploy the built image")
        if self.deploy is not None and self.deploy.branch is None and "*" in self.triggers.branches[0]:
            raise ValueError("the first trigger branch is a pattern; set deploy.branch to the branch that deploys")
        return self
