"""Poetry projects: their dependency groups (and Poetry 1's main dependencies) become requirements .in
files, and poetry.lock's versions become the first pins of the locks ci-gen compiles from them.

ci-gen does not install from poetry.lock: checking that it is current needs Poetry's own content hash and
exporting it needs a Poetry plugin, inside every workflow. The .in files go through the same locking as
every other layout (hashes, the spec's Python, the lock job's freshness check), and starting each lock
from poetry.lock's versions keeps what the project already tested: the lock tool only moves a version
when the spec's Python needs another one.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_VERSION = re.compile(r"^\d+(\.\d+)*$")


@dataclass
class PoetryInputs:
    """The .in files (path -> text) and first lock pins (path -> text) a Poetry project needs."""

    main: list[str] = field(default_factory=list)  # PEP 508 lines of Poetry 1's [tool.poetry.dependencies]
    groups: dict[str, list[str]] = field(default_factory=dict)  # group -> PEP 508 lines
    notes: list[str] = field(default_factory=list)


def poetry_inputs(pyproject: dict[str, Any]) -> PoetryInputs:
    """The requirements a Poetry pyproject declares outside [project], as PEP 508 lines."""
    poetry = pyproject.get("tool", {}).get("poetry", {})
    found = PoetryInputs()
    main = dict(poetry.get("dependencies", {}))
    main.pop("python", None)
    found.main = _lines(main, "[tool.poetry.dependencies]", found.notes)
    tables = dict(poetry.get("group", {}))
    if "dev-dependencies" in poetry:  # Poetry 1.0-1.1: the dev group under its old name
        tables.setdefault("dev", {"dependencies": poetry["dev-dependencies"]})
    for name, group in sorted(tables.items()):
        where = f"[tool.poetry.group.{name}]"
        if group.get("optional") is True:
            found.notes.append(f"{where} is optional (poetry install leaves it out): not a dev source")
            continue
        lines = _lines(group.get("dependencies", {}), where, found.notes)
        if lines:
            found.groups[name] = lines
    return found


def group_input(group: str) -> str:
    """The .in file a Poetry group becomes: requirements-<group>.in."""
    return "requirements-" + re.sub(r"[^A-Za-z0-9._-]+", "-", group) + ".in"


def _lines(table: dict[str, Any], where: str, notes: list[str]) -> list[str]:
    lines = []
    for name, constraint in table.items():
        line = requirement(name, constraint)
        if line is None:
            notes.append(f"{where} {name} = {constraint!r} has no requirements-file form: add it by hand")
        elif not (isinstance(constraint, dict) and constraint.get("optional") is True):
            lines.append(line)
    return lines


def requirement(name: str, constraint: Any) -> str | None:
    """`pytest = "^8.0"` -> `pytest>=8.0,<9.0`; None for what pip cannot express (paths, `||`, lists)."""
    if isinstance(constraint, str):
        specifier = specifier_of(constraint)
        return None if specifier is None else f"{name}{specifier}"
    if not isinstance(constraint, dict):
        return None
    extras = f"[{','.join(constraint['extras'])}]" if constraint.get("extras") else ""
    if "git" in constraint:
        ref = constraint.get("rev") or constraint.get("tag") or constraint.get("branch")
        return f"{name}{extras} @ git+{constraint['git']}" + (f"@{ref}" if ref else "")
    if "url" in constraint:
        return f"{name}{extras} @ {constraint['url']}"
    if "path" in constraint or "python" in constraint or "platform" in constraint:
        return None  # a local path, or a condition in Poetry's own syntax, not a PEP 508 marker
    specifier = specifier_of(str(constraint.get("version", "*")))
    if specifier is None:
        return None
    markers = f"; {constraint['markers']}" if constraint.get("markers") else ""
    return f"{name}{extras}{specifier}{markers}"


def specifier_of(constraint: str) -> str | None:
    """Poetry's version constraint as a PEP 440 specifier (poetry-core's rules for ^ and ~)."""
    text = constraint.strip()
    if text in ("", "*"):
        return ""
    if "||" in text or "|" in text:
        return None
    parts = [part.strip() for part in text.split(",")]
    converted = [_one(part) for part in parts]
    if any(part is None for part in converted):
        return None
    return ",".join(part for part in converted if part)


def _one(part: str) -> str | None:
    if part.startswith("^"):
        return _caret(part[1:].strip())
    if part.startswith("~") and not part.startswith("~="):
        return _tilde(part[1:].strip())
    if _VERSION.match(part) or re.match(r"^\d+(\.\d+)*\.\*$", part):
        return f"=={part}"
    if re.match(r"^(==|!=|>=|<=|>|<|~=|===)\s*\S+$", part):
        return part.replace(" ", "")
    return None


def _caret(version: str) -> str | None:
    """^1.2.3 -> >=1.2.3,<2.0.0; ^0.2.3 -> <0.3.0; ^0.0.3 -> <0.0.4: the first non-zero part is held."""
    if not _VERSION.match(version):
        return None
    numbers = [int(n) for n in version.split(".")]
    held = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
    return f">={version},<{_bump(numbers, held)}"


def _tilde(version: str) -> str | None:
    """~1.2.3 -> >=1.2.3,<1.3.0; ~1.2 -> <1.3; ~1 -> <2."""
    if not _VERSION.match(version):
        return None
    numbers = [int(n) for n in version.split(".")]
    return f">={version},<{_bump(numbers, min(1, len(numbers) - 1))}"


def _bump(numbers: list[int], index: int) -> str:
    upper = [*numbers[:index], numbers[index] + 1] + [0] * (len(numbers) - index - 1)
    return ".".join(str(n) for n in upper)


def locked_versions(root: Path, group: str) -> dict[str, str]:
    """poetry.lock's registry pins of one group (lock-version 2.1 records each package's groups)."""
    try:
        data = tomllib.loads((root / "poetry.lock").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    pins = {}
    for package in data.get("package", []):
        registry = package.get("source", {}).get("type") in (None, "legacy")
        # lock-version 2.1 lists groups; 2.0 (Poetry 1) has one category, main or dev.
        groups = package.get("groups") or [package.get("category", "main")]
        if registry and group in groups and "name" in package:
            pins[str(package["name"])] = str(package["version"])
    return pins


def first_pins(pins: dict[str, str]) -> str:
    """A lock file's first text: poetry.lock's versions, which the lock tool keeps where they fit."""
    header = "# poetry.lock's versions: where `ci-gen lock` starts (it keeps each one that fits).\n"
    return header + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))
