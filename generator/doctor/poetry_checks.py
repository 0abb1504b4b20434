"""Do the requirements .in files `init` derived from a Poetry project still say what pyproject.toml says?

A Poetry group (or Poetry 1's main dependencies) copied into an .in file is a second place that names
the same packages; after someone runs `poetry add --group dev ...` the two differ, and the tests install
what the .in file says. Each requirement is compared as pip reads it (name, extras, specifier, marker).
"""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from generator.detect.poetry import group_input, poetry_inputs
from generator.doctor.findings import Report
from generator.doctor.project import Project


def check_poetry_inputs(project: Project, report: Report) -> None:
    pyproject = _pyproject(project)
    if "poetry" not in pyproject.get("tool", {}):
        return
    inputs = poetry_inputs(pyproject)
    pairs = {group_input(group): (group, lines) for group, lines in inputs.groups.items()}
    if not pyproject.get("project", {}).get("dependencies"):
        pairs["requirements.in"] = ("main", inputs.main)
    named = {lock.input for lock in project.plan.locks}
    for name, (group, lines) in sorted(pairs.items()):
        text = project.read(name) if name in named else None
        if text is not None and text.startswith(_DERIVED):  # a file of the user's own is theirs
            _compare(project, name, group, lines, text, report)
            report.checked.append(f"{project.show(name)} against Poetry's {group} dependencies")


_DERIVED = ("# From Poetry's ", "# From [tool.poetry.dependencies]")  # how init's derived files start


def _pyproject(project: Project) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(project.read("pyproject.toml") or "")
    except tomllib.TOMLDecodeError:
        return {}
    return data


def _compare(project: Project, name: str, group: str, lines: list[str], text: str, report: Report) -> None:
    wanted = {key for key in map(_key, lines) if key is not None}
    written = {key for key in map(_key, text.splitlines()) if key is not None}
    where = "[tool.poetry.dependencies]" if group == "main" else f"[tool.poetry.group.{group}]"
    for key in sorted(wanted - written):
        report.add(
            "poetry-inputs",
            project.show(name),
            None,
            f"{where} in pyproject.toml requires {key}, which {name} does not",
            f"make {name} list what {where} lists, then run `ci-gen lock`",
        )
    for key in sorted(written - wanted):
        report.add(
            "poetry-inputs",
            project.show(name),
            None,
            f"{name} requires {key}, which {where} in pyproject.toml does not",
            f"make {name} list what {where} lists, then run `ci-gen lock`",
        )


def _key(line: str) -> str | None:
    """A requirement line as pip reads it, in one spelling; None for comments, options and blanks."""
    line = line.split(" #", 1)[0].strip()
    if not line or line.startswith(("#", "-")):
        return None
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return line
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    marker = f"; {requirement.marker}" if requirement.marker else ""
    url = f" @ {requirement.url}" if requirement.url else ""
    return f"{canonicalize_name(requirement.name)}{extras}{requirement.specifier}{url}{marker}"
