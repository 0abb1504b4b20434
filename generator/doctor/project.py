"""The project as doctor sees it: the resolved plan and the text of the files it names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from generator.location import Location
from generator.paths import confine, read_bytes_capped
from generator.plan import Plan
from generator.project import load

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalise(name: str) -> str:
    """PEP 503 name: scikit_learn, Scikit.Learn -> scikit-learn."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    """One requirement line of a .in file or pyproject.toml, with where it came from."""

    name: str  # normalised
    specifier: str  # e.g. ">=3.0,<4" (empty: any version)
    marker: str
    file: str
    line: int | None


@dataclass(frozen=True)
class Project:
    """A project folder, its plan, and helpers that show paths relative to where doctor was started."""

    location: Location
    plan: Plan

    @classmethod
    def open(cls, location: Location) -> Project:
        return cls(location, load(location).plan)

    @property
    def root(self) -> Path:
        return self.location.root

    def show(self, relative: str) -> str:
        return self.location.display(self.root / relative)

    def read(self, relative: str) -> str | None:
        """A project file's text; one outside the project (`-r /abs/path`, a link) is refused."""
        path = confine(self.root, self.root / relative, "file")
        return read_bytes_capped(path).decode("utf-8", errors="replace") if path.is_file() else None


_UV_NAME = re.compile(r'^name = "([^"]+)"\s*$')
_UV_VERSION = re.compile(r'^version = "([^"]+)"\s*$')


def lock_pins(text: str) -> dict[str, tuple[str, int]]:
    """`name==version` lines of a lock (or uv.lock's packages): normalised name -> (version, line number)."""
    if "[[package]]" in text:
        return _uv_lock_pins(text)
    pins: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _PIN.match(line.strip())
        if match:
            pins[normalise(match.group(1))] = (match.group(2), number)
    return pins


def _uv_lock_pins(text: str) -> dict[str, tuple[str, int]]:
    """uv.lock's `[[package]]` tables, read line by line so each pin keeps its line number."""
    pins: dict[str, tuple[str, int]] = {}
    name: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("[[package]]"):
            name = None
        elif (found := _UV_NAME.match(line)) is not None:
            name = (normalise(found.group(1)), number)
        elif name is not None and (found := _UV_VERSION.match(line)) is not None:
            pins.setdefault(name[0], (found.group(1), name[1]))
            name = None
    return pins


def parse_requirement(text: str, file: str, line: int | None) -> Requirement | None:
    """One requirement string (`flask>=3.0,<4 ; python_version < "3.12"`), or None for URLs and blanks."""
    body, _, marker = text.partition(";")
    match = _NAME.match(body)
    if not match or "://" in body or " @ " in body:
        return None
    return Requirement(normalise(match.group(1)), match.group(3).strip(), marker.strip(), file, line)


def requirements_in(
    project: Project, relative: str, seen: set[str] | None = None
) -> tuple[list[Requirement], list[tuple[str, int]]]:
    """Requirements of a .in file, following `-r` includes; and its `-c` constraint files with lines."""
    seen = seen if seen is not None else set()
    if relative in seen:
        return [], []
    seen.add(relative)
    text = project.read(relative) or ""
    found: list[Requirement] = []
    constraints: list[tuple[str, int]] = []
    folder = Path(relative).parent
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        option, _, value = line.partition(" ")
        if option in ("-r", "--requirement", "-c", "--constraint"):
            target = (folder / value.strip()).as_posix()
            if option in ("-c", "--constraint"):
                constraints.append((target, number))
                continue
            more, more_constraints = requirements_in(project, target, seen)
            found += more
            constraints += more_constraints
        elif line and not line.startswith(("#", "-")):
            requirement = parse_requirement(line, project.show(relative), number)
            found += [requirement] if requirement else []
    return found, constraints
