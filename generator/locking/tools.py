"""Lock tools: how each compiles a requirements input into a pip-tools lock file with hashes.

Both tools write the same format, and both are told that the command to regenerate is `ci-gen lock`, so
the header of a lock file does not depend on which temporary path the freshness check wrote it to.
A uv project's own `uv.lock` is adopted instead: checked with `uv lock --check`, exported to install.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from generator.resources import tool_versions

REGENERATE_COMMAND = "ci-gen lock"


@dataclass(frozen=True)
class LockJob:
    """One lock to compile: input file, extras, dependency groups, and where the lock goes."""

    input: str
    output: str
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


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
        argv += [f"--group={group}" for group in job.groups]
        return [*argv, f"--output-file={output}", job.input]

    def environment(self) -> dict[str, str]:
        return {}


LOCK_TOOLS: dict[str, LockTool] = {tool.name: tool for tool in (PipTools(), Uv())}


def uv_project_argv(lock_file: str) -> list[str]:
    """`--project FOLDER` when uv.lock is not at the repository root."""
    folder = lock_file.rpartition("/")[0]
    return [f"--project={folder}"] if folder else []


def uv_check_argv(job: LockJob) -> list[str]:
    """Fails when uv.lock no longer matches pyproject.toml (resolves, never writes)."""
    return ["uv", "lock", "--check", *uv_project_argv(job.input)]


def uv_lock_argv(job: LockJob) -> list[str]:
    """Updates uv.lock to match pyproject.toml, keeping existing pins where they still fit."""
    return ["uv", "lock", *uv_project_argv(job.input)]


def uv_export_argv(job: LockJob, output: str, *, dev: bool) -> list[str]:
    """Exactly uv.lock's pins, with hashes, as a requirements file pip installs with --require-hashes.

    The runtime selection is the project's dependencies (plus extras); a dev selection is only its groups
    (plus extras), so the two files do not repeat each other.
    """
    argv = ["uv", "export", "--frozen", "--quiet", "--format=requirements-txt", "--no-emit-project"]
    argv += uv_project_argv(job.input)
    if dev and job.groups:
        argv += [f"--only-group={group}" for group in job.groups]
    else:
        argv += ["--no-default-groups", *(f"--group={group}" for group in job.groups)]
    argv += [f"--extra={extra}" for extra in job.extras]
    return [*argv, f"--output-file={output}"]
