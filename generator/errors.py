"""The one error family of ci-gen and the exit codes it maps to."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed, drift found, a deploy rolled back
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3  # infrastructure or internal failure
EXIT_CANCELLED = 4  # a deploy cancelled by a signal (SIGTERM, Ctrl-C), rolled back before exiting


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        prefix = f"{self.path}: " if self.path else ""
        return f"{where}: {prefix}{self.message}"


class CiGenError(Exception):
    """Root of every error ci-gen raises on purpose; carries its exit code."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class SpecError(CiGenError):
    """The spec (or another user input) is invalid. Holds every problem found, not just the first."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        self.problems = sorted(problems, key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems), hint=hint)


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    return (problem.file, problem.line or 0, problem.column or 0, problem.message)


class UsageError(CiGenError):
    """A command was called with arguments that cannot work (missing file, bad flag value)."""

    exit_code = EXIT_BAD_INPUT


class RenderError(CiGenError):
    """A template is broken or renders something that is not a valid workflow."""

    exit_code = EXIT_BAD_INPUT


class DriftError(CiGenError):
    """Generated files differ from what the spec renders to."""

    exit_code = EXIT_FAILED


class DeployError(CiGenError):
    """A deployment could not run (infrastructure); rollbacks are results, not errors."""

    exit_code = EXIT_INTERNAL


class ChampionError(CiGenError):
    """The champion's record could not be read (an API that refused, a corrupt bundle): infrastructure."""

    exit_code = EXIT_INTERNAL


class RehearseError(CiGenError):
    """A workflow uses something `ci-gen rehearse` cannot run locally (it names the file and line)."""

    exit_code = EXIT_BAD_INPUT


class ToolMissingError(CiGenError):
    """A tool or interpreter a command needs is not installed on this machine (infrastructure)."""

    exit_code = EXIT_INTERNAL
