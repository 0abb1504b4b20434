"""Lock tools: how each compiles a requirements input into a pip-tools lock file with hashes.

Both tools write the same format, and both are told that the command to regenerate is `ci-gen lock`, so
the header of a lock file does not depend on which temporary path the freshness check wrote it to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from generator.resources import tool_versions

REGENERATE_COMMAND = "ci-gen lock"


@dataclass(frozen=True)
class LockJob:
    """One lock to compile: input file, extras, and where the lock goes."""

    input: str
    output: str
    extras: tuple[str, ...] = ()


class LockTool(Protocol):
    name: str

    @property
    def requirement(self) -> str:
        """What to pip install to get the tool, pinned."""
        ...

    def compile_argv(self, job: LockJob, python: str, output: str) -> list[str]:
        """The command that compiles `job` into `output` for Python `python`."""
        ...

    def environment(self) -> dict[str, str]:
        """Extra environment variables the command needs."""
        ...


class PipTools:
    name = "pip-tools"

    @property
    def requirement(self) -> str:
        return f"pip-tools=={tool_versions()['pip-tools']}"

    def compile_argv(self, job: LockJob, python: str, output: str) -> list[str]:
        # pip-compile resolves for the interpreter it runs on, so callers run it on `python`.
        argv = ["pip-compile", "--quiet", "--generate-hashes", "--allow-unsafe", "--strip-extras"]
        argv += ["--no-emit-index-url", "--no-emit-find-links"]
        argv += [f"--extra={extra}" for extra in job.extras]
        return [*argv, f"--output-file={output}", job.input]

    def environment(self) -> dict[str, str]:
        return {"CUSTOM_COMPILE_COMMAND": REGENERATE_COMMAND}


class Uv:
    name = "uv"

    @property
    def requirement(self) -> str:
        return f"uv=={tool_versions()['uv']}"

    def compile_argv(self, job: LockJob, python: str, output: str) -> list[str]:
        argv = ["uv", "pip", "compile", "--quiet", "--generate-hashes"]
        argv += ["--no-emit-index-url", "--no-emit-find-links", f"--python-version={python}"]
        argv += [f"--custom-compile-command={REGENERATE_COMMAND}"]
        argv += [f"--extra={extra}" for extra in job.extras]
        return [*argv, f"--output-file={output}", job.input]

    def environment(self) -> dict[str, str]:
        return {}


LOCK_TOOLS: dict[str, LockTool] = {tool.name: tool for tool in (PipTools(), Uv())}
