"""`ci-gen lock`: compile every lock file with the spec's lock tool, exactly as the CI check does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, DeployError, UsageError
from generator.locking import LOCK_TOOLS, LockJob
from generator.project import Location, load


@click.command("lock")
@project_options
@handle_errors
def command(directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool) -> int:
    """(Re)compile the lock files with hashes (pip-compile or uv, as the spec says)."""
    location = Location.find(directory, spec, templates)
    loaded = load(location)
    tool = LOCK_TOOLS[loaded.plan.lock_tool]
    for lock in loaded.plan.locks:
        argv = tool.compile_argv(
            LockJob(lock.input, lock.output, lock.extras), loaded.plan.python, lock.output
        )
        if shutil.which(argv[0]) is None:
            raise UsageError(f"{argv[0]} is not installed", hint=f"pip install '{tool.requirement}'")
        click.echo(f"locking {lock.output} from {lock.input} with {tool.name}")
        result = subprocess.run(
            argv, cwd=location.root, env={**os.environ, **tool.environment()}, check=False
        )
        if result.returncode != 0:
            raise DeployError(
                f"{argv[0]} failed with exit code {result.returncode} while locking {lock.output}"
            )
    return EXIT_OK
