"""Is each lock current with its inputs? Compared by content, since file times mean nothing in a checkout."""

from __future__ import annotations

import difflib
import shutil
import sys
import tempfile
from pathlib import Path

from generator.doctor.findings import Report
from generator.doctor.project import Project, Requirement, lock_pins, parse_requirement, requirements_in
from generator.doctor.versions import satisfies
from generator.errors import ToolMissingError
from generator.locking.run import compile_command, run, uv_lock_command
from generator.plan import Lock

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has no tomllib
    tomllib = None


def check_locks(project: Project, report: Report) -> None:
    """Every lock exists, pins every top-level requirement within its bounds, and follows its -c files."""
    for lock in project.plan.checked_locks:
        text = project.read(lock.output)
        if text is None:
            report.add(
                "missing-lock",
                project.show(lock.input),
                None,
                f"{lock.output} does not exist",
                f"run `ci-gen lock` (or: {lock.fix_command}) and commit it",
            )
            continue
        pins = lock_pins(text)
        report.checked.append(f"lock {lock.output}")
        requirements, constraints = _inputs(project, lock, report)
        for requirement in requirements:
            _check_requirement(project, lock, requirement, pins, report)
        for constraint, line in constraints:
            _check_constraint(project, lock, pins, constraint, line, report)


def _inputs(project: Project, lock: Lock, report: Report) -> tuple[list[Requirement], list[tuple[str, int]]]:
    if lock.kind != "compile":
        return [], []  # the project's own lock: `uv lock --check` (uv.lock) or nothing to compile from
    if lock.input.endswith(".in"):
        return requirements_in(project, lock.input)
    return _pyproject_requirements(project, lock, report), []


def _pyproject_requirements(project: Project, lock: Lock, report: Report) -> list[Requirement]:
    if tomllib is None:  # pragma: no cover
        report.notes.append(
            f"{lock.input}: reading pyproject.toml needs Python 3.11+; its lock was not checked"
        )
        return []
    text = project.read(lock.input) or ""
    table = tomllib.loads(text).get("project", {})
    strings = list(table.get("dependencies", []))
    for extra in lock.extras:
        strings += table.get("optional-dependencies", {}).get(extra, [])
    shown = project.show(lock.input)
    parsed = (parse_requirement(s, shown, _line_of(text, s)) for s in strings)
    return [r for r in parsed if r is not None]


def _check_requirement(
    project: Project, lock: Lock, requirement: Requirement, pins: dict[str, tuple[str, int]], report: Report
) -> None:
    if requirement.marker:
        return  # may rightly be absent for the locked Python; the --deep recompile covers it
    fix = f"run `ci-gen lock` (or: {lock.fix_command}) and commit {lock.output}"
    if requirement.name not in pins:
        report.add(
            "stale-lock",
            requirement.file,
            requirement.line,
            f"{requirement.name} is required here but not pinned in {lock.output}",
            fix,
        )
        return
    version, line = pins[requirement.name]
    if requirement.specifier and satisfies(version, requirement.specifier) is False:
        report.add(
            "stale-lock",
            project.show(lock.output),
            line,
            f"{requirement.name}=={version} does not meet {requirement.specifier!r} from {requirement.file}",
            fix,
        )


def _check_constraint(
    project: Project, lock: Lock, pins: dict[str, tuple[str, int]], constraint: str, line: int, report: Report
) -> None:
    """`-c requirements.txt`: a dev lock must pin shared packages exactly as the runtime lock does."""
    text = project.read(constraint)
    if text is None:
        report.add(
            "missing-lock",
            project.show(lock.input),
            line,
            f"constraint file {constraint} does not exist",
            "create it (`ci-gen lock`) or drop the -c line",
        )
        return
    for name, (wanted, _) in sorted(lock_pins(text).items()):
        if name in pins and pins[name][0] != wanted:
            report.add(
                "stale-lock",
                project.show(lock.output),
                pins[name][1],
                f"{name}=={pins[name][0]} but {constraint} pins {name}=={wanted} (the tests would run "
                "other versions than the image)",
                f"run `ci-gen lock` so {lock.output} is recompiled against {constraint}, and commit both",
            )


def check_recompile(project: Project, report: Report) -> None:
    """--deep: recompile every lock with the lock tool into a temp file, as the CI job does, and diff."""
    with tempfile.TemporaryDirectory(prefix="ci-gen-doctor-") as folder:
        for lock in project.plan.checked_locks:
            if lock.kind == "uv-lock":
                _check_uv_lock(project, lock, report)
            elif lock.kind == "compile" and (project.root / lock.output).is_file():
                _recompile(project, lock, Path(folder), report)


def _check_uv_lock(project: Project, lock: Lock, report: Report) -> None:
    outcome = run(uv_lock_command(lock.job, check=True), project.root)
    if not outcome.ok:
        report.add(
            "stale-lock",
            project.show(lock.output),
            None,
            f"`uv lock --check` fails: {outcome.stderr.splitlines()[-1] if outcome.stderr else 'stale'}",
            f"run `ci-gen lock` (or: {lock.fix_command}) and commit {lock.output}",
        )


def _recompile(project: Project, lock: Lock, folder: Path, report: Report) -> None:
    output = folder / Path(lock.output).name
    shutil.copyfile(project.root / lock.output, output)  # keep existing pins, exactly like the CI job
    command = compile_command(project.plan.lock_tool, project.plan.python, lock.job, str(output))
    outcome = run(command, project.root)
    if not outcome.ok:
        raise ToolMissingError(f"recompiling {lock.output} failed: {outcome.stderr[-500:]}")
    report.notes.append(f"--deep: recompiled {lock.output} with {outcome.how}")
    before = (project.root / lock.output).read_text(encoding="utf-8").splitlines(keepends=True)
    after = output.read_text(encoding="utf-8").splitlines(keepends=True)
    diff = list(difflib.unified_diff(before, after, lock.output, f"{lock.output} (recompiled)", n=0))
    if diff:
        lines = [line.rstrip() for line in diff[2:] if line.startswith(("+", "-"))]
        changed = ([line for line in lines if "==" in line] or lines)[:6]
        report.add(
            "stale-lock",
            project.show(lock.output),
            None,
            f"recompiling {lock.input} gives a different lock: {'; '.join(changed)}",
            f"run `ci-gen lock` (or: {lock.fix_command}) and commit {lock.output}",
        )


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None
