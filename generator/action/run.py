"""Step 2 of the ci-gen Action: run the command with the Action's own ci-gen and report the result.

Each command has a handler in HANDLERS. A handler returns a Result, which becomes the step's exit code,
its outputs (`changed`, `files`, `report`) and a section of the job summary. ci-gen runs as a child
process from the Action's virtual environment, in the `working-directory`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.action import summary
from generator.action.bootstrap import (
    ActionError,
    Inputs,
    set_output,
    stop_commands,
    untrusted_log,
    workflow_command,
)
from generator.defaults import WORKFLOWS_DIR
from generator.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERNAL, EXIT_OK

WORKFLOWS = Path(WORKFLOWS_DIR)
EXIT_MEANINGS = {
    EXIT_FAILED: "a check failed or the deploy rolled back",
    EXIT_BAD_INPUT: "bad input",
    EXIT_INTERNAL: "infrastructure or internal failure",
}
# `file:line[:col]: message`, the form ci-gen reports spec and template problems in.
_PROBLEM = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<message>.+)$")
# Variables that would let the project's environment reach into the Action's own Python.
_ISOLATE = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")


@dataclass(frozen=True)
class Result:
    code: int
    changed: bool
    files: tuple[str, ...]
    report: str  # Markdown for the job summary


@dataclass(frozen=True)
class Context:
    """Where the command runs and how paths are shown."""

    inputs: Inputs
    workspace: Path  # the repository root: annotations are relative to it
    temp: Path
    ci_gen: Path

    @property
    def folder(self) -> Path:
        return (self.workspace / self.inputs.working_directory).resolve()

    @property
    def root(self) -> Path:
        """The spec's folder, which generated paths are relative to."""
        return (self.folder / self.inputs.spec).parent

    def from_workspace(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.workspace)).as_posix()

    def from_folder(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.folder)).as_posix()

    def fix(self, command: str) -> str:
        """A fix command that works from the repository root."""
        if self.folder == self.workspace.resolve():
            return command
        return f"cd {shlex.quote(self.from_workspace(self.folder))} && {command}"

    def run(self, *argv: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        argv_ = [str(self.ci_gen), *argv]
        env = self.env(extra_env)
        return subprocess.run(argv_, cwd=self.folder, env=env, capture_output=True, text=True, check=False)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _ISOLATE}
        return {**env, "PYTHONNOUSERSITE": "1", **(extra or {})}


def run_check(ctx: Context) -> Result:
    """Drift check: annotate every stale or hand-edited file; summary with diff, fix and job graph.

    Always `--full`: this is the check that guards a pull request, and a header's digests can be
    recomputed by whoever edits the file, so it renders and compares every time."""
    proc = ctx.run("check", "--json", "--full", *ctx.inputs.spec_args, *ctx.inputs.args)
    data = _json(proc.stdout) if proc.returncode in (EXIT_OK, EXIT_FAILED) else None
    if data is None:
        return _failure(ctx, "check", proc)
    from generator.check import EXPLAIN

    drift = [_drifted(ctx, item, EXPLAIN.get(item["state"], "")) for item in data["files"]]
    fix = ctx.fix(str(data["fix"]))
    for item in drift:
        print(workflow_command("group", f"diff of {item.path}"))
        sys.stdout.write(untrusted_log(item.diff))
        print("::endgroup::")
        message = f"{item.path} is {item.state}: {item.why}. Fix: run `{fix}` and commit the result."
        print(workflow_command("error", message, file=item.path, title=f"ci-gen: workflow {item.state}"))
    if not drift:
        sys.stdout.write(untrusted_log(f"ci-gen check: workflows are up to date with {ctx.inputs.spec}"))
    files = tuple(ctx.from_folder(ctx.root / item["path"]) for item in data["files"])
    report = summary.check_report(ctx.inputs.spec, drift, fix, _graph(ctx))
    return Result(EXIT_FAILED if drift else EXIT_OK, bool(drift), files, report)


def _drifted(ctx: Context, item: dict[str, str], why: str) -> summary.Drifted:
    return summary.Drifted(ctx.from_workspace(ctx.root / item["path"]), item["state"], why, item["diff"])


def _graph(ctx: Context) -> str | None:
    proc = ctx.run("graph", *ctx.inputs.spec_args, *ctx.inputs.args)
    return proc.stdout if proc.returncode == EXIT_OK else None


def run_generate(ctx: Context) -> Result:
    """Regenerate; `files` are the workflow files whose bytes changed (written or deleted)."""
    before = _snapshot(ctx.root / WORKFLOWS)
    proc = ctx.run("generate", *ctx.inputs.spec_args, *ctx.inputs.args)
    if proc.returncode != EXIT_OK:
        return _failure(ctx, "generate", proc)
    sys.stdout.write(untrusted_log(proc.stdout))
    after = _snapshot(ctx.root / WORKFLOWS)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    files = tuple(ctx.from_folder(ctx.root / WORKFLOWS / name) for name in changed)
    return Result(EXIT_OK, bool(files), files, summary.generate_report(ctx.inputs.spec, files))


def _snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def run_passthrough(ctx: Context, command: str, *, changes: bool) -> Result:
    """Run `ci-gen COMMAND ARGS` as it is, streaming its output; it may write its own summary report."""
    handle, name = tempfile.mkstemp(dir=ctx.temp, prefix=f"ci-gen-{command}-", suffix=".md")
    os.close(handle)
    own_report = Path(name)
    argv = [str(ctx.ci_gen), command, *ctx.inputs.spec_args, *ctx.inputs.args]
    env = ctx.env({"GITHUB_STEP_SUMMARY": str(own_report)})
    output = _stream(argv, ctx.folder, env)
    code = output[0]
    report = own_report.read_text(encoding="utf-8") or summary.output_report(command, code, output[1])
    if code != EXIT_OK:
        message = f"ci-gen {command} exited {code}: {_meaning(code)}; see the job summary"
        print(workflow_command("error", message))
    return Result(code, changes and code == EXIT_OK, (), report)


def _stream(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Echo the child's output line by line as it comes (deploys are long), and keep a copy."""
    lines: list[str] = []
    pipe = subprocess.PIPE
    stop, resume = stop_commands()  # nothing the child prints is a workflow command
    print(stop, flush=True)
    with subprocess.Popen(argv, cwd=cwd, env=env, stdout=pipe, stderr=subprocess.STDOUT, text=True) as child:
        assert child.stdout is not None  # PIPE was asked for
        for line in child.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
    if lines and not lines[-1].endswith("\n"):
        print()
    print(resume, flush=True)
    return child.returncode, "".join(lines)


def _failure(ctx: Context, command: str, proc: subprocess.CompletedProcess[str]) -> Result:
    """ci-gen could not answer: its problems become annotations, then one line says what failed."""
    sys.stdout.write(untrusted_log(proc.stdout))
    reason = ""
    for line in proc.stderr.splitlines():
        match = _PROBLEM.match(line)
        if match:
            where = ctx.from_workspace(ctx.folder / match["file"])
            column = match["col"] or ""
            print(workflow_command("error", match["message"], file=where, line=match["line"], col=column))
            continue
        sys.stdout.write(untrusted_log(line))
        reason = line.removeprefix("error: ") if line.startswith(("error:", "Error:")) else reason
    code = proc.returncode if proc.returncode != EXIT_OK else EXIT_INTERNAL
    detail = f": {reason.removeprefix('Error: ')}" if reason else ""
    print(workflow_command("error", f"ci-gen {command} failed (exit {code}, {_meaning(code)}){detail}"))
    return Result(code, False, (), summary.output_report(command, code, proc.stdout + proc.stderr))


def _meaning(code: int) -> str:
    return EXIT_MEANINGS.get(code, "unexpected exit code")


def _json(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None


HANDLERS: dict[str, Callable[[Context], Result]] = {
    "check": run_check,
    "generate": run_generate,
    "deploy": functools.partial(run_passthrough, command="deploy", changes=True),
    "doctor": functools.partial(run_passthrough, command="doctor", changes=False),
    "profile": functools.partial(run_passthrough, command="profile", changes=True),
    "monitor": functools.partial(run_passthrough, command="monitor", changes=False),
    "model-report": functools.partial(run_passthrough, command="model-report", changes=False),
    "track": functools.partial(run_passthrough, command="track", changes=False),
}


def main() -> int:
    """Run the command named by the inputs; write the outputs and the job summary; return the exit code."""
    try:
        inputs = Inputs.from_env(os.environ)
        if inputs.command not in HANDLERS:
            raise ActionError(f"unknown command '{inputs.command}'")
    except ActionError as exc:  # step 1 checks these first; this guards a direct call
        print(workflow_command("error", f"ci-gen: {exc}"))
        return EXIT_FAILED
    temp = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    ci_gen = Path(sys.executable).with_name("ci-gen.exe" if os.name == "nt" else "ci-gen")
    result = HANDLERS[inputs.command](Context(inputs, workspace, temp, ci_gen))
    report = _write_report(temp, inputs.command, result.report)
    set_output("changed", "true" if result.changed else "false")
    set_output("files", "\n".join(result.files))
    set_output("report", str(report))
    return result.code


def _write_report(temp: Path, command: str, text: str) -> Path:
    handle, name = tempfile.mkstemp(dir=temp, prefix=f"ci-gen-{command}-report-", suffix=".md")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with Path(summary_file).open("a", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")
    return Path(name)
