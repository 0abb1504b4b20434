"""Options every command shares, the context they resolve to, and the one place where errors become messages
and exit codes."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.cli.report import Reporter
from generator.errors import EXIT_INTERNAL, CiGenError, SpecError
from generator.location import Location

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool whose reader went away

F = TypeVar("F", bound=Callable[..., Any])

ISSUES_URL = "https://github.com/ci-gen/ci-gen/issues"


class Invocation:
    """What a project command works on: the resolved location, and the reporter for its output format."""

    __slots__ = ("location", "report")

    def __init__(self, location: Location, report: Reporter) -> None:
        self.location, self.report = location, report


def project_command(body: Callable[..., int]) -> Callable[..., None]:
    """Make `body(invocation, **options)` a command body with the options every project command shares.

    Adds -C DIR (`ci-gen -C DIR cmd` works too), --spec PATH, --templates DIR (repeatable) and --debug;
    resolves them into one Location, picks the reporter from --json (when the command has `json_option`),
    and turns errors into messages and exit codes. The command's own options may stand above or below it.
    """

    @functools.wraps(body)
    def command(
        directory: Path | None, spec: Path | None, templates: tuple[Path, ...], **options: Any
    ) -> int:
        location = Location.find(_inherited_directory(directory), spec, templates)
        reporter = Reporter(as_json=bool(options.pop("as_json", False)))
        options.pop("debug")
        return body(Invocation(location, reporter), **options)

    wrapped: Callable[..., None] = handle_errors(command)
    for option in reversed(_PROJECT_OPTIONS):
        wrapped = option(wrapped)
    return wrapped


def _inherited_directory(directory: Path | None) -> Path | None:
    if directory is not None:
        return directory
    context = click.get_current_context(silent=True)
    root = context.find_root() if context else None
    found: Path | None = (root.obj or {}).get("directory") if root else None
    return found


def file_option(*names: str, help: str, **extra: Any) -> Callable[[F], F]:
    """An option naming a file, as a Path (None when not given)."""
    kind = click.Path(dir_okay=False, path_type=Path)
    return click.option(*names, type=kind, default=None, help=help, **extra)


def folder_option(*names: str, help: str, **extra: Any) -> Callable[[F], F]:
    """An option naming a folder, as a Path (None when not given)."""
    kind = click.Path(file_okay=False, path_type=Path)
    return click.option(*names, type=kind, default=None, help=help, **extra)


debug_option = click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")

_PROJECT_OPTIONS = (
    folder_option("-C", "directory", help="Run as if started in DIR."),
    file_option(
        "--spec", "spec", help="The spec file (default: ci-gen.yaml). Paths in it are relative to its folder."
    ),
    folder_option(
        "--templates",
        "templates",
        help="Template override folder, searched before the spec's own (repeatable).",
        multiple=True,
    ),
    debug_option,
)


def repeated_option(*names: str, metavar: str, help: str) -> Callable[[F], F]:
    """An option that may be given many times; its values come as a tuple, in order."""
    return click.option(*names, multiple=True, metavar=metavar, help=help)


def json_option(help: str = "Print the report as JSON.") -> Callable[[F], F]:
    """--json: the command's reporter prints one JSON document on stdout instead of text."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def report_option(help: str = "Also write the Markdown report to this file.") -> Callable[[F], F]:
    """--report PATH: where a command also writes its Markdown report."""
    return file_option("--report", "report_path", help=help)


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
