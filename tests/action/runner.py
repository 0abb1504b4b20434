"""Run action.yml's composite steps here, the way a GitHub runner would, as far as these tests need.

Real: every `run:` step runs in bash (`bash --noprofile --norc -eo pipefail FILE`, as the runner does
for `shell: bash`) with its `env:`, in the workspace, and talks to the runner through real files:
GITHUB_OUTPUT (one per step), GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH, plus RUNNER_TEMP and
GITHUB_ACTION_PATH (this repository's root). Steps stop at the first failure, like a composite action.

Simulated, honestly: `uses:` steps. actions/setup-python cannot run here (it is JavaScript that downloads
a Python build), so its one output the Action reads, `python-path`, is set to the interpreter running
the tests. Expressions: only `${{ inputs.X }}`, `${{ github.action_path }}` and
`${{ steps.ID.outputs.Y }}`, and in `if:` only `inputs.X != ''` / `inputs.X == ''`; anything else
raises, so the Action cannot quietly grow an expression these tests do not understand.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}")
_CONDITION = re.compile(r"^inputs\.([A-Za-z0-9_-]+) (==|!=) ''$")
_HEREDOC = re.compile(r"^([A-Za-z0-9_-]+)<<(.+)$")


class UnsupportedExpression(AssertionError):
    """action.yml uses an expression this simulator does not evaluate."""


@dataclass
class StepRun:
    id: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str

    @property
    def failed(self) -> bool:
        return any(step.returncode != 0 for step in self.steps)

    @property
    def log(self) -> str:
        return "".join(step.stdout + step.stderr for step in self.steps)

    @property
    def errors(self) -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith("::error")]


@dataclass
class Evaluator:
    inputs: dict[str, str]
    action_path: str
    steps: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, expression: str) -> str:
        parts = expression.strip().split(".")
        if len(parts) == 2 and parts[0] == "inputs" and parts[1] in self.inputs:
            return self.inputs[parts[1]]
        if parts == ["github", "action_path"]:
            return self.action_path
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        raise UnsupportedExpression(f"unsupported expression: ${{{{{expression}}}}}")

    def substitute(self, text: str) -> str:
        return _EXPRESSION.sub(lambda match: self.value(match[1]), text)

    def condition(self, text: str) -> bool:
        match = _CONDITION.match(text.strip())
        if not match:
            raise UnsupportedExpression(f"unsupported if: {text}")
        empty = self.value(f"inputs.{match[1]}") == ""
        return empty if match[2] == "==" else not empty


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def run_action(
    inputs: dict[str, str], *, workspace: Path, runner_temp: Path, scratch: Path, action_path: Path = ROOT
) -> ActionRun:
    """Run every step of action.yml in order; `scratch` holds the runner's files for this run."""
    action = load_action()
    declared = action["inputs"]
    unknown = set(inputs) - set(declared)
    assert not unknown, f"action.yml declares no input {sorted(unknown)}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()} | inputs
    evaluator = Evaluator(values, str(action_path))
    files = _runner_files(scratch)
    env = _base_env(files, workspace, runner_temp, action_path, scratch)
    runs: list[StepRun] = []
    for index, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"__{index}")
        if "if" in step and not evaluator.condition(step["if"]):
            continue
        if "uses" in step:
            run, evaluator.steps[step_id] = _uses(step)
        else:
            run = _run(step, evaluator, env, scratch / f"step{index}")
            evaluator.steps[step_id] = _read_outputs(scratch / f"step{index}.output")
        run.id = step_id
        runs.append(run)
        _apply_env_files(env, files)
        if run.returncode != 0:
            break
    outputs = {name: evaluator.substitute(spec["value"]) for name, spec in action["outputs"].items()}
    return ActionRun(runs, outputs, files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))


def _runner_files(scratch: Path) -> dict[str, Path]:
    scratch.mkdir(parents=True, exist_ok=True)
    files = {name: scratch / name.lower() for name in ("GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")}
    for path in files.values():
        path.write_text("", encoding="utf-8")
    return files


def _base_env(
    files: dict[str, Path], workspace: Path, runner_temp: Path, action_path: Path, scratch: Path
) -> dict[str, str]:
    # A bin folder with only `python3`, so the Action's fallback finds a Python but nothing else of ours.
    bin_dir = scratch / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python3").symlink_to(sys.executable)
    return {
        "PATH": f"{bin_dir}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": os.environ.get("HOME", str(scratch)),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(action_path),
        "RUNNER_TEMP": str(runner_temp),
        "LANG": "C.UTF-8",
        **{name: str(path) for name, path in files.items()},
    }


def _uses(step: dict[str, Any]) -> tuple[StepRun, dict[str, str]]:
    name = step["uses"].split("@", 1)[0]
    if name != "actions/setup-python":
        raise UnsupportedExpression(f"no simulation for uses: {step['uses']}")
    outputs = {"python-path": sys.executable}
    return StepRun("", 0, f"(simulated {name}: python-path={sys.executable})\n", ""), outputs


def _run(step: dict[str, Any], evaluator: Evaluator, env: dict[str, str], base: Path) -> StepRun:
    assert step.get("shell") == "bash", "composite run steps must name their shell"
    script = step["run"]
    if "${{" in script:
        raise UnsupportedExpression("an expression inside run: (inputs must pass through env:)")
    step_env = {name: evaluator.substitute(str(value)) for name, value in (step.get("env") or {}).items()}
    output = base.with_suffix(".output")
    output.write_text("", encoding="utf-8")
    script_file = base.with_suffix(".sh")
    script_file.write_text(script, encoding="utf-8")
    argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)]
    full_env = {**env, **step_env, "GITHUB_OUTPUT": str(output)}
    cwd = env["GITHUB_WORKSPACE"]
    done = subprocess.run(
        argv, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300, check=False
    )
    return StepRun("", done.returncode, done.stdout, done.stderr)


def _read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `name=value` and `name<<DELIMITER` ... `DELIMITER`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    values: dict[str, str] = {}
    index = 0
    while index < len(lines):
        heredoc = _HEREDOC.match(lines[index])
        if heredoc:
            end = lines.index(heredoc[2], index + 1)
            values[heredoc[1]] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        name, _, value = lines[index].partition("=")
        values[name] = value
        index += 1
    return values


def _apply_env_files(env: dict[str, str], files: dict[str, Path]) -> None:
    env.update(_read_outputs(files["GITHUB_ENV"]))
    for folder in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines():
        env["PATH"] = f"{folder}{os.pathsep}{env['PATH']}"
    files["GITHUB_ENV"].write_text("", encoding="utf-8")
    files["GITHUB_PATH"].write_text("", encoding="utf-8")
