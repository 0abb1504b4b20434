"""Step 1 of the ci-gen Action: check the inputs, then install ci-gen into a virtual environment of its own.

It runs as a script (`python -I .../bootstrap.py`) with whichever Python setup-python or the runner
provides, before ci-gen is installed, so it uses the standard library only and imports nothing from
`generator`. Step 2 (`run.py`) reuses its helpers for the runner's files and workflow commands.
"""

from __future__ import annotations

import difflib
import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

COMMANDS = ("check", "deploy", "doctor", "generate", "model-report", "monitor", "profile", "track")
DEFAULT_SPEC = "ci-gen.yaml"
LOCK = Path("requirements") / "action.txt"
# Deploys may target Kubernetes, whose client is heavy: only deploy and monitor steps install it; the
# drift statistics (numpy, scipy, matplotlib) only the steps that may measure drift. Hashed too.
_KUBERNETES = Path("requirements") / "action-kubernetes.txt"
_MONITOR = Path("requirements") / "action-monitor.txt"
# MLflow's client: for `track`; for deploys (they move the stage's alias) and model-report (it reads the
# champion) when the step is given a tracking server.
_TRACKING = Path("requirements") / "action-tracking.txt"
EXTRA_LOCKS = {
    "deploy": (_KUBERNETES, _MONITOR),
    "monitor": (_KUBERNETES, _MONITOR),
    "profile": (_MONITOR,),
    "track": (_TRACKING,),
}
HOME = "ci-gen-action"  # under RUNNER_TEMP: the venv and the install log
MIN_PYTHON = (3, 10)
PIP_FLAGS = ("--disable-pip-version-check", "--no-input", "--progress-bar", "off")
_DATA_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY_ESCAPES = {**_DATA_ESCAPES, ":": "%3A", ",": "%2C"}


class ActionError(Exception):
    """A problem the user can act on; the Action shows it as one `::error::` line."""


@dataclass(frozen=True)
class Inputs:
    """The Action's inputs, as `action.yml` passes them through `env:`."""

    command: str
    spec: str
    working_directory: str
    args: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        raw_args = env.get("CI_GEN_ARGS", "")
        try:
            # shlex, not bash word-splitting: quotes group words and nothing is globbed or expanded.
            args = tuple(shlex.split(raw_args))
        except ValueError as exc:
            raise ActionError(f"the args input {raw_args!r} cannot be split into words: {exc}") from None
        return cls(
            command=env.get("CI_GEN_COMMAND", "").strip(),
            spec=env.get("CI_GEN_SPEC", "").strip() or DEFAULT_SPEC,
            working_directory=env.get("CI_GEN_WORKING_DIRECTORY", "").strip() or ".",
            args=args,
        )

    @property
    def spec_args(self) -> list[str]:
        """`--spec` only when it is not the default, so commands need not accept more than their own args."""
        return [] if self.spec == DEFAULT_SPEC else ["--spec", self.spec]


def check_inputs(inputs: Inputs, workspace: Path) -> None:
    """Fail before installing anything when the inputs cannot work."""
    if inputs.command not in COMMANDS:
        guess = difflib.get_close_matches(inputs.command, COMMANDS, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        raise ActionError(
            f"unknown command '{inputs.command}'; {hint}the command input is one of {', '.join(COMMANDS)}"
        )
    folder = workspace / inputs.working_directory
    if not folder.is_dir():
        raise ActionError(
            f"working-directory '{inputs.working_directory}' does not exist in the repository "
            "(is it checked out?)"
        )
    spec = folder / inputs.spec
    if not spec.is_file():
        shown = os.path.relpath(spec, workspace)
        raise ActionError(
            f"no spec at {shown}: set the spec input (relative to working-directory) "
            "or create one with `ci-gen init`"
        )


def workflow_command(name: str, message: str, **properties: str) -> str:
    """`::error file=a.yml,line=3::message`, escaped so no value can end or inject a command."""
    given = {key: value for key, value in properties.items() if value}
    props = ",".join(f"{key}={_escape(value, _PROPERTY_ESCAPES)}" for key, value in given.items())
    return f"::{name}{' ' + props if props else ''}::{_escape(message, _DATA_ESCAPES)}"


def stop_commands() -> tuple[str, str]:
    """The pair of lines between which the runner treats nothing as a workflow command; the token is
    random, so text in between cannot turn commands back on."""
    token = f"ci-gen-{uuid.uuid4().hex}"
    return f"::stop-commands::{token}", f"::{token}::"


def untrusted_log(text: str) -> str:
    """`text` (a child's output, a diff, a log) for the job log: no line of it can be a workflow command."""
    if not text:
        return ""
    stop, resume = stop_commands()
    body = text if text.endswith("\n") else text + "\n"
    return f"{stop}\n{body}{resume}\n"


def _escape(text: str, table: Mapping[str, str]) -> str:
    return "".join(table.get(char, char) for char in text)


def set_output(name: str, value: str) -> None:
    """Append one step output; the random delimiter lets values span lines and contain anything else."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    delimiter = f"ghadelimiter_{uuid.uuid4().hex}"
    with Path(target).open("a", encoding="utf-8") as stream:
        stream.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def extra_locks(command: str, env: Mapping[str, str]) -> tuple[Path, ...]:
    """The hashed locks `command` needs beyond ci-gen's own."""
    locks = EXTRA_LOCKS.get(command, ())
    if command in ("deploy", "model-report") and env.get("MLFLOW_TRACKING_URI", "").strip():
        locks = (*locks, _TRACKING)
    return locks


def install(action: Path, venv: Path, log: Path, command: str = "") -> Path:
    """Create (or reuse) the venv, install the hashed lock, then ci-gen itself from `action` without deps."""
    python = venv_python(venv)
    log.write_text("", encoding="utf-8")
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(venv)], log, "create a virtual environment")
    pip = [str(python), "-I", "-m", "pip", "install", *PIP_FLAGS]
    locked = [*pip, "--require-hashes", "--requirement", str(action / LOCK)]
    for extra in extra_locks(command, os.environ):
        locked += ["--requirement", str(action / extra)]
    _run(locked, log, "install ci-gen's locked dependencies")
    # The build backend is in the lock, so building needs no unpinned download.
    _run([*pip, "--no-deps", "--no-build-isolation", str(action)], log, f"install ci-gen from {action}")
    return python


def _run(argv: Sequence[str], log: Path, what: str) -> None:
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {shlex.join(argv)}\n")
        stream.flush()
        done = subprocess.run(argv, stdout=stream, stderr=subprocess.STDOUT, cwd=log.parent, check=False)
    code = done.returncode
    if code != 0:
        # The whole log, folded away; the one line under it says what went wrong.
        print("::group::ci-gen install log")
        print(untrusted_log(log.read_text(encoding="utf-8", errors="replace")), end="")
        print("::endgroup::")
        raise ActionError(f"could not {what} (exit {code}); the install log is in the group above")


def _runner_temp(env: Mapping[str, str]) -> Path:
    temp = env.get("RUNNER_TEMP")
    if not temp:
        raise ActionError("RUNNER_TEMP is not set; the ci-gen Action runs on GitHub Actions runners")
    return Path(temp)


def main(env: Mapping[str, str] | None = None) -> int:
    """Check the inputs and install ci-gen; set the `python` output to the venv's interpreter."""
    env = os.environ if env is None else env
    try:
        if sys.version_info < MIN_PYTHON:
            found = sys.version.split()[0]
            raise ActionError(f"ci-gen needs Python 3.10 or newer, not {found}; set the python-version input")
        inputs = Inputs.from_env(env)
        check_inputs(inputs, Path(env.get("GITHUB_WORKSPACE") or Path.cwd()))
        action = Path(env.get("GITHUB_ACTION_PATH") or Path(__file__).resolve().parents[2])
        home = _runner_temp(env) / HOME
        home.mkdir(parents=True, exist_ok=True)
        print(f"Installing ci-gen from {action} into {home / 'venv'}")
        python = install(action, home / "venv", home / "install.log", inputs.command)
    except ActionError as exc:
        print(workflow_command("error", f"ci-gen: {exc}"))
        return 1
    set_output("python", str(python))
    return 0


if __name__ == "__main__":
    sys.exit(main())
