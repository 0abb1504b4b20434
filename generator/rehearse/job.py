"""Run one job (one matrix combination) step by step, the way a GitHub runner would on a fresh machine."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import RehearseError
from generator.rehearse.actions import ActionCall, ActionOutcome, local_action
from generator.rehearse.containers import Runtime, require
from generator.rehearse.deployments import Deployment, bring_in, wind_up, without_users
from generator.rehearse.dockershim import JOB_VARIABLE, LABEL
from generator.rehearse.environment import GitHub
from generator.rehearse.expressions import ExpressionError, condition, interpolate, lookup_in, to_text
from generator.rehearse.files import StepFiles
from generator.rehearse.process import read_log, run_logged, stop_groups
from generator.rehearse.results import (
    Event,
    JobResult,
    Notice,
    Outcome,
    StepFinished,
    StepResult,
    StepStarted,
)
from generator.rehearse.workflow import Job, Step

CONTEXTS = frozenset({"github", "matrix", "needs", "steps", "runner", "secrets", "env"})
DEFAULT_TIMEOUT_MINUTES = 360
CI_GEN_ACTION_INPUTS = frozenset({"command", "spec", "args", "working-directory", "python-version"})
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Shared:
    """What every job of one rehearsal shares."""

    workdir: Path
    source: Path
    artifacts: Path
    cache: Path
    github: GitHub
    base_env: dict[str, str]
    action: str  # the spec's ci-gen Action reference
    build_args: tuple[str, ...]
    build_volumes: tuple[str, ...]
    runtime_preference: str | None
    detected_runtime: Runtime | None
    emit: Callable[[Event], None]
    warned: set[str]
    keep_deployments: bool = False  # leave what deploy steps started running (listed) instead of stopping it
    state_dir: Path | None = None  # carry deploy state between rehearsals
    origin: Path | None = None  # the repository rehearsed (its deploy state holds the champion)
    secrets: dict[str, str] = field(default_factory=dict)  # `--secret NAME`: from this machine's environment


class JobRun:
    """One job on a fresh 'machine': its own workspace, temp folder, tool folder and environment."""

    def __init__(
        self, shared: Shared, job: Job, matrix: dict[str, Any], needs: dict[str, Any], result: JobResult
    ) -> None:
        self.shared, self.job, self.matrix, self.needs, self.result = shared, job, matrix, needs, result
        home = shared.workdir / "jobs" / _SLUG.sub("-", result.key).strip("-")
        shutil.rmtree(home, ignore_errors=True)
        self.workspace, self.temp, self.tools = home / "workspace", home / "temp", home / "tools"
        for folder in (self.workspace, self.temp, self.tools):
            folder.mkdir(parents=True)
        self.logs = shared.workdir / "logs" / home.name
        self.source, self.artifacts, self.cache = shared.source, shared.artifacts, shared.cache
        self.build_args, self.build_volumes = shared.build_args, shared.build_volumes
        self.env: dict[str, str] = {}  # from $GITHUB_ENV and actions
        self.path: list[str] = []  # from $GITHUB_PATH and actions, newest first
        self.steps: dict[str, Any] = {}
        self.groups: list[int] = []
        self.deployments: list[Deployment] = []
        self.deadline = time.monotonic() + 60 * int(
            job.data.get("timeout-minutes") or DEFAULT_TIMEOUT_MINUTES
        )

    # --- what actions may use (generator.rehearse.actions.JobSite)
    def runtime(self, where: str) -> Runtime:
        return require(self.shared.detected_runtime, self.shared.runtime_preference, where)

    def run(self, argv: list[str], log: Path) -> int:
        remaining = self.deadline - time.monotonic()
        return run_logged(
            argv, cwd=self.workspace, env=self.process_env({}), log=log, timeout=remaining, groups=self.groups
        )

    # --- running
    def execute(self) -> Outcome:
        """Run every step; stop at the first failure, like a job without continue-on-error."""
        try:
            for step in self.job.steps:
                if self._step(step) is Outcome.FAILURE:
                    return Outcome.FAILURE
            self.result.outputs = self._outputs()
            return Outcome.SUCCESS
        finally:
            stop_groups(self.groups)
            self._remove_containers()
            self._wind_up_deployments()

    def _remove_containers(self) -> None:
        """Containers the job's steps started through the docker shim and left behind (a killed step)."""
        runtime = self.shared.detected_runtime
        if runtime is None or runtime.name != "podman":
            return
        for name in runtime.remove_labelled(LABEL, self._label):
            self._notice(f"removed container {name}, which a step left behind")

    def _wind_up_deployments(self) -> None:
        for deployment in self.deployments:
            wind_up(deployment, self.shared.keep_deployments, self.shared.state_dir, self._notice)

    def _notice(self, text: str) -> None:
        self.shared.emit(Notice(f"{self.result.key}: {text}"))

    def _step(self, step: Step) -> Outcome:
        data = step.data
        env = self._env_chain(step)
        name = self._text(step, "name", data.get("name") or _default_name(data), env)
        if "if" in data and not self._condition(step, env):
            return self._record(step, StepResult(name, Outcome.SKIPPED))
        self.shared.emit(StepStarted(self.result, name))
        started = time.monotonic()
        files = StepFiles(self.temp / "_runner_file_commands", step.index)
        variables = files.create()
        log = self.logs / f"{step.index + 1:02d}-{_SLUG.sub('-', name)[:60].strip('-')}.log"
        outcome = (
            self._action(step, env, log, variables)
            if "uses" in data
            else self._script(step, env, variables, log)
        )
        step_result = StepResult(
            name,
            Outcome.SUCCESS if outcome.ok else Outcome.FAILURE,
            time.monotonic() - started,
            read_log(log),
            {},
            outcome.notes,
        )
        step_result.outputs = {**outcome.outputs, **files.outputs()}
        self.env.update({**outcome.env, **files.env()})
        self.path[:0] = [*reversed(files.path_entries()), *outcome.path]
        self.result.summary += files.summary()
        return self._record(step, step_result)

    def _record(self, step: Step, result: StepResult) -> Outcome:
        if step.data.get("id"):
            self.steps[str(step.data["id"])] = {
                "outputs": result.outputs,
                "outcome": result.outcome.value,
                "conclusion": result.outcome.value,
            }
        self.result.steps.append(result)
        if result.outcome is not Outcome.SKIPPED:
            self.shared.emit(StepFinished(self.result, result))
        return result.outcome

    def _script(self, step: Step, env: dict[str, str], variables: dict[str, str], log: Path) -> ActionOutcome:
        script = self.temp / f"step_{step.index}.sh"
        script.write_text(self._text(step, "run", str(step.data["run"]), env), encoding="utf-8")
        folder = self.workspace / str(step.data.get("working-directory", "."))
        remaining = min(self.deadline, time.monotonic() + 60 * int(step.data.get("timeout-minutes") or 1e6))
        code = run_logged(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=folder,
            env=self.process_env({**env, **variables}),
            log=log,
            timeout=remaining - time.monotonic(),
            groups=self.groups,
        )
        return ActionOutcome(ok=code == 0, notes=[] if code == 0 else [f"exit code {code}"])

    def _action(self, step: Step, env: dict[str, str], log: Path, variables: dict[str, str]) -> ActionOutcome:
        uses = str(step.data["uses"])
        inputs = {
            key: self._text(step, f"with.{key}", to_text(value), env)
            for key, value in (step.data.get("with") or {}).items()
        }
        if uses == self.shared.action:
            return self._ci_gen(step, inputs, env, log, variables)
        if "@" not in uses:
            raise RehearseError(
                f"{step.where('uses')}: local or docker:// actions ('{uses}') are not supported by rehearse"
            )
        name = uses.split("@", 1)[0]
        action = local_action(name, inputs, step.where("uses"))
        outcome = action.run(ActionCall(name, inputs, step.where("uses"), self, log))
        for note in outcome.notes:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as handle:
                handle.write(f"rehearse: {note}\n")
        return outcome

    def _ci_gen(
        self, step: Step, inputs: dict[str, str], env: dict[str, str], log: Path, variables: dict[str, str]
    ) -> ActionOutcome:
        """The ci-gen Action: this repository's own ci-gen, with the command, spec and args inputs, the
        step's `env:` (as a composite action's steps see it) and its job summary file (the Action writes
        its report there)."""
        unknown = sorted(set(inputs) - CI_GEN_ACTION_INPUTS)
        if unknown:
            raise RehearseError(
                f"{step.where('with')}: input {unknown[0]!r} of the ci-gen Action: not supported by rehearse"
            )
        argv = [sys.executable, "-I", "-c", "from generator.cli import main; main()"]
        argv += [inputs.get("command", "check"), "--spec", inputs.get("spec", "ci-gen.yaml")]
        argv += shlex.split(inputs.get("args", ""))
        folder = self.workspace / inputs.get("working-directory", ".")
        notes = self._deployment(inputs, folder, argv)
        if inputs.get("command") == "model-report":
            self._champion(inputs, folder)
        code = run_logged(
            argv,
            cwd=folder,
            env=self.process_env({**env, "GITHUB_STEP_SUMMARY": variables["GITHUB_STEP_SUMMARY"]}),
            log=log,
            timeout=self.deadline - time.monotonic(),
            groups=self.groups,
        )
        ran = f"ran this repository's ci-gen: {shlex.join(argv[4:])}"
        return ActionOutcome(ok=code == 0, notes=[ran, *notes])

    def _deployment(self, inputs: dict[str, str], folder: Path, argv: list[str]) -> list[str]:
        """Remember a deploy step, to wind it up when the job ends; bring in kept state first; add the
        synthetic users a rehearsal needs to `argv` and say what was added."""
        spec = inputs.get("spec", "ci-gen.yaml")
        deployment = Deployment.of(inputs.get("command", "check"), inputs.get("args", ""), folder, spec)
        if deployment is None:
            return []
        self.deployments.append(deployment)
        brought = bring_in(deployment, self.shared.state_dir) if self.shared.state_dir else None
        if brought:
            self._notice(f"brought in the {brought}")
        extra, notes = without_users(deployment, argv, self.temp)
        argv += extra
        return notes

    def _champion(self, inputs: dict[str, str], folder: Path) -> None:
        """Bring in the champion the model report compares with (kept, else this repository's own)."""
        from generator.rehearse.champions import bring_in_champion

        spec = inputs.get("spec", "ci-gen.yaml")
        origin = self.shared.origin or self.shared.source
        brought = bring_in_champion(self.workspace, folder, spec, origin, self.shared.state_dir)
        if brought:
            self._notice(f"brought in {brought}")

    # --- environment and expressions
    def process_env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {**self.shared.base_env, **self.github_variables(), **self.env, **extra}
        env["PATH"] = ":".join([*self.path, env.get("PATH", "")])
        return env

    def github_variables(self) -> dict[str, str]:
        variables = self.shared.github.variables(self.job.workflow.name, self.job.id, self.workspace)
        return {
            **variables,
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_TOOL_CACHE": str(self.tools),
            "PIP_CACHE_DIR": str(self.cache / "pip"),
            "UV_CACHE_DIR": str(self.cache / "uv"),
            JOB_VARIABLE: self._label,
        }

    @property
    def _label(self) -> str:
        """What the docker shim labels this job's containers with: unique per rehearsal and job."""
        return f"{self.shared.github.run_id}-{_SLUG.sub('-', self.result.key).strip('-')}"

    def _env_chain(self, step: Step) -> dict[str, str]:
        """Workflow, job and step `env:`, each level able to read the ones before it."""
        env: dict[str, str] = {}
        levels = (
            (("env",), self.job.workflow.data.get("env")),
            (("jobs", self.job.id, "env"), self.job.data.get("env")),
            (("jobs", self.job.id, "steps", step.index, "env"), step.data.get("env")),
        )
        for path, values in levels:
            for key, value in (values or {}).items():
                env[key] = self._interpolate(self.job.workflow.where(*path, key), to_text(value), env)
        return env

    def contexts(self, env: dict[str, str]) -> dict[str, Any]:
        return {
            "github": self.shared.github.context(self.job.workflow.name, self.job.id, self.workspace),
            "matrix": self.matrix,
            "needs": self.needs,
            "steps": self.steps,
            "env": {**self.env, **env},
            "runner": {"temp": str(self.temp), "os": "Linux", "arch": "X64", "tool_cache": str(self.tools)},
            "secrets": _Secrets(self.shared),
        }

    def _interpolate(self, where: str, text: str, env: dict[str, str]) -> str:
        try:
            return interpolate(text, lookup_in(self.contexts(env)), CONTEXTS)
        except ExpressionError as exc:
            raise RehearseError(f"{where}: {exc}: {text.strip()[:120]}") from None

    def _text(self, step: Step, key: str, text: str, env: dict[str, str]) -> str:
        return self._interpolate(step.where(*key.split(".")), text, env)

    def _condition(self, step: Step, env: dict[str, str]) -> bool:
        try:
            return condition(to_text(step.data["if"]), lookup_in(self.contexts(env)), CONTEXTS)
        except ExpressionError as exc:
            raise RehearseError(f"{step.where('if')}: {exc}: {step.data['if']}") from None

    def _outputs(self) -> dict[str, str]:
        outputs = self.job.data.get("outputs") or {}
        return {
            key: self._interpolate(self.job.where("outputs", key), to_text(value), {})
            for key, value in outputs.items()
        }


class _Secrets(dict[str, Any]):
    """secrets.* read as empty, with one warning per secret, since a rehearsal has none, except those
    given with `--secret NAME`, which come from this machine's environment."""

    def __init__(self, shared: Shared) -> None:
        super().__init__()
        self.shared = shared

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.shared.secrets:
            return self.shared.secrets[key]
        if key not in self.shared.warned:
            self.shared.warned.add(key)
            self.shared.emit(Notice(f"secrets.{key} is empty in a rehearsal"))
        return ""


def _default_name(data: dict[str, Any]) -> str:
    if "uses" in data:
        return f"Run {str(data['uses']).split('@', 1)[0]}"
    first = str(data.get("run", "")).strip().splitlines()
    return f"Run {first[0] if first else ''}"
