"""Run a lock tool here, for the spec's Python, and say which Python that was.

uv is told the target Python (`--python-version`); pip-compile resolves for the interpreter it runs on, so
it runs on that interpreter: the current one when it matches, else one found on this machine (PATH,
pyenv), with pip-tools installed into a cached venv of it on first use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.defaults import ADD_HASHES
from generator.errors import DeployError, ToolMissingError
from generator.locking.tools import LOCK_TOOLS, LockJob, uv_check_argv, uv_lock_argv
from generator.rehearse.interpreters import find_python

if TYPE_CHECKING:
    from generator.plan import Lock

_TIMEOUT = 900


@dataclass(frozen=True)
class Command:
    argv: list[str]
    env: dict[str, str]
    how: str  # e.g. "pip-compile on Python 3.12.1 (/usr/bin/python3.12)"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    how: str
    stderr: str


def write_lock(root: Path, tool: str, python: str, lock: Lock, say: Callable[[str], None]) -> None:
    """Write one lock (or say why an adopted one is kept), naming the Python it was made for.

    `ci-gen lock` and `ci-gen init` both come here, so a lock is made the one way the CI check recompiles it.
    """
    if lock.kind == "pinned":
        hashes = (
            " (after changing a pin, `ci-gen lock --add-hashes` refreshes its hashes)"
            if lock.hashes
            else f" (no hashes: installed unverified; {ADD_HASHES})"
        )
        say(f"{lock.output} is the project's own pinned lock; kept as it is{hashes}")
        return
    if lock.kind == "uv-lock":
        command = uv_lock_command(lock.job, check=False)
    else:
        command = compile_command(tool, python, lock.job, lock.output)
    say(f"locking {lock.output} from {lock.input} with {command.how}")
    outcome = run(command, root)
    if not outcome.ok:
        raise DeployError(f"locking {lock.output} failed: {outcome.stderr[-800:]}")


def compile_command(tool_name: str, python: str, job: LockJob, output: str) -> Command:
    """The command that writes `job`'s lock into `output` for Python `python`."""
    tool = LOCK_TOOLS[tool_name]
    argv = tool.compile_argv(job, python, output)
    env = {**os.environ, **tool.environment()}
    if tool_name == "uv":
        return Command([_executable("uv", tool.requirement), *argv[1:]], env, f"uv for Python {python}")
    interpreter, version, shown = _pip_tools_python(python)
    argv = [interpreter, "-m", "piptools", "compile", *argv[1:]]
    return Command(argv, env, f"pip-compile on Python {version} ({shown})")


def uv_lock_command(job: LockJob, *, check: bool) -> Command:
    """`uv lock` (update) or `uv lock --check` (is it current?); uv picks Pythons from requires-python."""
    argv = uv_check_argv(job) if check else uv_lock_argv(job)
    uv = _executable("uv", LOCK_TOOLS["uv"].requirement)
    return Command([uv, *argv[1:]], dict(os.environ), "uv lock (for every Python requires-python allows)")


def run(command: Command, root: Path) -> Outcome:
    """Run it in the project; a tool that cannot start is an error, a non-zero exit an outcome."""
    try:
        result = subprocess.run(
            command.argv,
            cwd=root,
            env=command.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DeployError(f"{command.argv[0]} did not run: {error}") from error
    return Outcome(result.returncode == 0, command.how, (result.stderr or result.stdout).strip())


def _executable(name: str, requirement: str) -> str:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    found = shutil.which(name, path=path)
    if found is None:
        raise ToolMissingError(f"{name} is not installed", hint=f"pip install '{requirement}'")
    return found


def _pip_tools_python(python: str) -> tuple[str, str, str]:
    """An interpreter of the spec's Python that can run pip-tools, its full version, and how to show it."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running == python and _has_pip_tools(sys.executable):
        return sys.executable, ".".join(str(part) for part in sys.version_info[:3]), sys.executable
    interpreter = find_python(python, "ci-gen lock (pip-compile resolves for the Python it runs on)")
    if _has_pip_tools(interpreter.path):
        return interpreter.path, interpreter.version, interpreter.path
    venv = _cached_venv(interpreter.path, interpreter.version)
    return venv, interpreter.version, f"{interpreter.path}, with pip-tools in a cached venv"


def _has_pip_tools(interpreter: str) -> bool:
    probe = [interpreter, "-c", "import piptools"]
    return subprocess.run(probe, capture_output=True, check=False, timeout=60).returncode == 0


def _cached_venv(interpreter: str, version: str) -> str:
    """A venv of `interpreter` with the pinned pip-tools, made once and reused."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ci-gen"
    folder = cache / f"pip-tools-{LOCK_TOOLS['pip-tools'].requirement.split('==')[1]}-py{version}"
    python = folder / "bin" / "python"
    if not (python.exists() and _has_pip_tools(str(python))):
        shutil.rmtree(folder, ignore_errors=True)
        steps = [
            [interpreter, "-m", "venv", str(folder)],
            [str(python), "-m", "pip", "install", "--quiet", LOCK_TOOLS["pip-tools"].requirement],
        ]
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True, check=False, timeout=_TIMEOUT)
            if result.returncode != 0:
                raise ToolMissingError(
                    f"could not install pip-tools for Python {version}: {result.stderr.strip()[-300:]}",
                    hint="or set dependencies.lock-tool: uv, which compiles for any Python",
                )
    return str(python)
