"""Options every command shares, and the one place where errors become messages and exit codes."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.errors import EXIT_INTERNAL, CiGenError, SpecError

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool whose reader went away

F = TypeVar("F", bound=Callable[..., Any])

ISSUES_URL = "https://github.com/ci-gen/ci-gen/issues"


def project_options(func: F) -> F:
    """-C DIR, --spec PATH, --templates DIR (repeatable), --debug. `ci-gen -C DIR cmd` works too."""

    command = func

    @functools.wraps(command)
    def inherit_directory(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("directory") is None:
            context = click.get_current_context(silent=True)
            root = context.find_root() if context else None
            kwargs["directory"] = (root.obj or {}).get("directory") if root else None
        return command(*args, **kwargs)

    func = inherit_directory  # type: ignore[assignment]
    decorators = [
        click.option(
            "-C",
            "directory",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Run as if started in DIR.",
        ),
        click.option(
            "--spec",
            "spec",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="The spec file (default: ci-gen.yaml). Paths in it are relative to its folder.",
        ),
        click.option(
            "--templates",
            "templates",
            type=click.Path(file_okay=False, path_type=Path),
            multiple=True,
            help="Template override folder, searched before the spec's own (repeatable).",
        ),
        debug_option,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


debug_option = click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
report_option = click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the Markdown report to this file.",
)


def handle_errors(func: Callable[..., int]) -> Callable[..., None]:
    """Run a command body and exit with its code; turn errors into one clear message."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        debug = bool(kwargs.get("debug"))
        try:
            code = func(*args, **kwargs)
        except CiGenError as exc:
            report_error(exc)
            code = exc.exit_code
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:
            code = stop_writing()
        except Exception as exc:
            if debug:
                traceback.print_exc()
            click.secho(f"internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
            click.echo(f"This is a bug in ci-gen; please report it at {ISSUES_URL}", err=True)
            if not debug:
                click.echo("Rerun with --debug to see the traceback.", err=True)
            code = EXIT_INTERNAL
        sys.exit(code)

    return wrapper


def stop_writing() -> int:
    """The reader went away (`ci-gen validate | head -1`): stop quietly, as Unix tools do on SIGPIPE.

    stdout is pointed at /dev/null so the interpreter's final flush cannot fail a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


def report_error(exc: CiGenError) -> None:
    if isinstance(exc, SpecError):
        # One `file:line:col: path: message` per line, the format editors and CI annotations understand.
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        click.secho(
            f"error: {count} problem{'s' if count != 1 else ''} found; nothing was written",
            fg="red",
            err=True,
        )
    else:
        click.secho("error: " + exc.message, fg="red", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)
