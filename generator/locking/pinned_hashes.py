"""Add hashes to a project's own pinned requirements file, keeping exactly its pins.

The lock tool (uv or pip-compile, for the spec's Python) resolves a copy of the file without its hashes;
since every line pins with ==, the resolution can only confirm the pins, add the packages they need that
the file leaves out, or fail. The files it names with -r/-c, and for a dev lock the runtime lock it is
installed on top of, constrain the resolution, and what they pin is not repeated. Nothing is taken on
trust: each pin is compared with the resolution, and any difference refuses the whole file. The file
keeps its lines, order, comments and options; each pin gains its `--hash` lines, and the missing packages
are appended as pins with hashes under a comment that says so.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from generator.errors import DeployError, Problem, SpecError
from generator.locking.requirements_file import (
    INDEX_OPTIONS,
    Entry,
    Pin,
    entries,
    option_name,
    pin_of,
    pins_in,
    reference_of,
)
from generator.locking.run import compile_command, run
from generator.locking.tools import LockJob

# What the lock tools print when the pins themselves cannot be resolved (bad input, not infrastructure).
_UNRESOLVABLE = (
    "No solution found",
    "unsatisfiable",
    "ResolutionImpossible",
    "Could not find a version",
    "No matching distribution",
    "not found in the package registry",
)


@dataclass(frozen=True)
class Resolved:
    version: str
    hashes: tuple[str, ...]


@dataclass(frozen=True)
class HashedFile:
    """The new text of one pinned file, how it was resolved, and the pins it had to add."""

    path: str
    text: str
    how: str
    added: tuple[str, ...]  # "name==version" of packages the file did not pin
    changed: bool


@dataclass(frozen=True)
class Neighbours:
    """The requirements files a pinned file leans on: those its -r/-c lines name, and (for a dev lock) the
    runtime lock it is installed on top of. `pending` holds the text a file gets in this same run."""

    root: Path
    runtime: str | None = None
    pending: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str | None:
        if name in self.pending:
            return self.pending[name]
        path = self.root / name
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


@dataclass(frozen=True)
class Reference:
    line: int
    kind: str  # -r or -c
    name: str  # relative to the project root
    text: str


def add_hashes(tool: str, python: str, path: str, around: Neighbours) -> HashedFile:
    """Hash every pin of `path` (relative to the root) for Python `python`; raise, changing nothing, if
    the file is not a list of exact pins or the resolution does not keep every pin."""
    text = (around.root / path).read_text(encoding="utf-8")
    lines = entries(text)
    pins, references = _pins(path, lines, around)
    constraint = _runtime_constraint(path, references, around)
    resolved, how = _resolve(around.root, (tool, python), path, lines, (references, constraint))
    _check_kept(path, pins, resolved, python)
    known = {pin.name for pin in pins}
    for other in (*references, *([constraint] if constraint else [])):
        known |= set(pins_in(other.text))
    added = {name: r for name, r in resolved.items() if name not in known}
    _check_added(path, added)
    new_text = _render(lines, pins, resolved, added, python, text.endswith("\n"))
    return HashedFile(
        path, new_text, how, tuple(f"{n}=={r.version}" for n, r in added.items()), new_text != text
    )


def _pins(path: str, lines: list[Entry], around: Neighbours) -> tuple[list[Pin], list[Reference]]:
    """Every requirement is an exact pin; options say where packages come from or name other files."""
    problems, pins, references = [], [], []
    for entry in lines:
        named = reference_of(entry)
        if named is not None:
            found = _reference(path, entry.first, named, around)
            problems += [found] if isinstance(found, Problem) else []
            references += [found] if isinstance(found, Reference) else []
        elif entry.is_option and option_name(entry) not in INDEX_OPTIONS:
            problems.append(_problem(path, entry.first, f"`{entry.content}`: {_UNSUPPORTED}"))
        elif entry.is_requirement:
            pin = pin_of(entry)
            if pin is None:
                problems.append(_problem(path, entry.first, f"`{entry.content}` is not an exact == pin"))
            else:
                pins.append(pin)
    if problems:
        raise SpecError(problems, hint=_FIX)
    if not pins:
        raise SpecError([_problem(path, None, "pins no packages")], hint=_FIX)
    return pins, references


_UNSUPPORTED = "hashes are added to pins and -r/-c files; an editable or per-package option cannot have them"
_FIX = (
    "make the file a list of name==version pins, or rename it to .in, name the .in in ci-gen.yaml "
    "and run `ci-gen lock`"
)


def _reference(path: str, line: int, named: tuple[str, str], around: Neighbours) -> Reference | Problem:
    """The file a -r/-c line names (relative to the naming file, as pip reads it), inside the project."""
    kind, target = named
    full = ((around.root / path).parent / target).resolve()
    root = around.root.resolve()
    if not full.is_relative_to(root):
        return _problem(path, line, f"`{kind} {target}` leaves the project")
    name = full.relative_to(root).as_posix()
    text = around.text(name)
    if text is None:
        return _problem(path, line, f"`{kind} {target}`: {name} does not exist")
    if kind == "-r" and pins_in(text) and "--hash" not in text:
        return _problem(
            path,
            line,
            f"`-r {target}`: {name} has no hashes, so pip cannot install it with --require-hashes; "
            "name it in ci-gen.yaml as a lock too (its hashes are then added first), or copy its pins here",
        )
    return Reference(line, kind, name, text)


def _runtime_constraint(path: str, references: list[Reference], around: Neighbours) -> Reference | None:
    """A dev file is installed on top of the runtime lock: resolved within its pins, never repeating them."""
    runtime = around.runtime
    if runtime is None or runtime == path or any(r.name == runtime for r in references):
        return None
    text = around.text(runtime)
    return Reference(0, "-c", runtime, text) if text and pins_in(text) else None


def _problem(path: str, line: int | None, message: str) -> Problem:
    return Problem(path, line, None, "", message)


def _resolve(
    root: Path,
    how: tuple[str, str],
    path: str,
    lines: list[Entry],
    others: tuple[list[Reference], Reference | None],
) -> tuple[dict[str, Resolved], str]:
    """The lock tool's resolution of the pins (hashes stripped), for the Python: name -> version, hashes."""
    (tool, python), (references, constraint) = how, others
    with tempfile.TemporaryDirectory(prefix="ci-gen-hashes-") as name:
        folder = Path(name)
        by_line = {r.line: _copied(folder, index, r) for index, r in enumerate(references)}
        plain = [by_line.get(e.first) or e.content for e in lines if e.content]
        if constraint is not None:
            plain.append(_copied(folder, len(references), constraint))
        source, output = folder / "pins.txt", folder / "hashed.txt"
        source.write_text("".join(f"{line}\n" for line in plain), encoding="utf-8")
        command = compile_command(tool, python, LockJob(str(source), str(output)), str(output))
        outcome = run(command, root)
        if not outcome.ok:
            _refuse_unresolvable(path, outcome.stderr, command.how)
        compiled = output.read_text(encoding="utf-8")
    resolved = {}
    for entry in entries(compiled):
        pin = pin_of(entry) if entry.is_requirement else None
        if pin is not None:
            resolved[pin.name] = Resolved(pin.version, entry.hashes)
    return resolved, command.how


def _copied(folder: Path, index: int, reference: Reference) -> str:
    """`-r`/`-c` of a copy of the file as it will be (its own hashes, and -r/-c lines, left out)."""
    copy = folder / f"neighbour-{index}.txt"
    pins = "".join(f"{e.content}\n" for e in entries(reference.text) if e.is_requirement)
    copy.write_text(pins, encoding="utf-8")
    return f"{reference.kind} {copy}"


def _refuse_unresolvable(path: str, stderr: str, how: str) -> None:
    tail = stderr[-1200:]
    if any(marker in stderr for marker in _UNRESOLVABLE):
        message = f"its pins cannot be installed together on this Python ({how}):\n{tail}"
        raise SpecError(
            [_problem(path, None, message)], hint="fix the pins named above; the file is unchanged"
        )
    raise DeployError(f"resolving {path}'s pins with {how} failed; the file is unchanged:\n{tail}")


def _check_kept(path: str, pins: list[Pin], resolved: dict[str, Resolved], python: str) -> None:
    """Every pin is in the resolution at exactly its version: a lock tool never changes a pin here."""
    problems = []
    for pin in pins:
        got = resolved.get(pin.name)
        if got is None:
            problems.append(
                _problem(
                    path,
                    pin.line,
                    f"{pin.name}=={pin.version} is not installed on Python {python} "
                    "(its marker excludes it), so it cannot get hashes; remove the line or drop its marker",
                )
            )
        elif not _same_version(pin, got.version):
            problems.append(
                _problem(
                    path,
                    pin.line,
                    f"resolving would change {pin.name}=={pin.version} to "
                    f"{got.version}; the file is unchanged",
                )
            )
        elif not got.hashes:
            problems.append(_problem(path, pin.line, f"the lock tool gave no hashes for {pin.name}"))
    if problems:
        raise SpecError(problems, hint="ci-gen never changes a pin: fix these lines, then run it again")


def _check_added(path: str, added: dict[str, Resolved]) -> None:
    missing = [name for name, item in added.items() if not item.hashes]
    if missing:
        message = f"the lock tool gave no hashes for {', '.join(missing)}, which the pins need"
        raise SpecError([_problem(path, None, message)], hint="is it installed from a path or URL?")


def _same_version(pin: Pin, version: str) -> bool:
    if pin.operator == "===":
        return pin.version == version
    try:
        return Version(pin.version) == Version(version)
    except InvalidVersion:
        return pin.version == version


def _render(
    lines: list[Entry],
    pins: list[Pin],
    resolved: dict[str, Resolved],
    added: dict[str, Resolved],
    python: str,
    final_newline: bool,
) -> str:
    by_line = {pin.line: pin for pin in pins}
    out: list[str] = []
    for entry in lines:
        pin = by_line.get(entry.first)
        out += _hashed(entry.content, resolved[pin.name].hashes, entry.comment) if pin else list(entry.lines)
    if added:
        out.append(f"# Needed by the pins above on Python {python}, which this file did not pin: added by")
        out.append("# `ci-gen lock --add-hashes` so that pip installs it with --require-hashes --no-deps.")
        for name, item in added.items():
            out += _hashed(f"{name}=={item.version}", item.hashes, "")
    return "\n".join(out) + ("\n" if final_newline or added else "")


def _hashed(requirement: str, hashes: tuple[str, ...], comment: str) -> list[str]:
    """`name==version \\` then one indented --hash per line; a comment goes last, after every hash."""
    lines = [f"{requirement} \\"]
    lines += [f"    --hash={h} \\" for h in hashes[:-1]]
    lines.append(f"    --hash={hashes[-1]}" + (f"  {comment}" if comment else ""))
    return lines
