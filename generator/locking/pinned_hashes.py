"""Add hashes to a project's own pinned requirements file, keeping exactly its pins.

The lock tool (uv or pip-compile, for the spec's Python) resolves a copy of the file without its hashes;
since every line pins with ==, the resolution can only confirm the pins, add the packages they need that
the file leaves out, or fail. Nothing is taken on trust: each pin is compared with the resolution, and any
difference refuses the whole file. The file keeps its lines, order, comments and options; each pin gains
its `--hash` lines, and the missing packages are appended as pins with hashes under a comment that says so.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from generator.errors import DeployError, Problem, SpecError
from generator.locking.requirements_file import INDEX_OPTIONS, Entry, Pin, entries, option_name, pin_of
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


def add_hashes(root: Path, tool: str, python: str, path: str) -> HashedFile:
    """Hash every pin of `path` (relative to root) for Python `python`; raise, changing nothing, if the
    file is not a self-contained list of exact pins or the resolution does not keep every pin."""
    text = (root / path).read_text(encoding="utf-8")
    lines = entries(text)
    pins = _pins(path, lines)
    resolved, how = _resolve(root, tool, python, path, lines)
    _check_kept(path, pins, resolved, python)
    named = {pin.name for pin in pins}
    added = {name: r for name, r in resolved.items() if name not in named}
    new_text = _render(lines, pins, resolved, added, python, text.endswith("\n"))
    return HashedFile(
        path, new_text, how, tuple(f"{n}=={r.version}" for n, r in added.items()), new_text != text
    )


def _pins(path: str, lines: list[Entry]) -> list[Pin]:
    """Every requirement is an exact pin, every option only says where packages come from."""
    problems, pins = [], []
    for entry in lines:
        if entry.is_option and option_name(entry) not in INDEX_OPTIONS:
            problems.append(_problem(path, entry.first, f"`{entry.content}`: {_NOT_SELF_CONTAINED}"))
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
    return pins


_NOT_SELF_CONTAINED = "hashes are added to a self-contained list of pins (no -r, -c, -e or other options)"
_FIX = (
    "make the file a plain list of name==version pins, or rename it to .in, name the .in in ci-gen.yaml "
    "and run `ci-gen lock`"
)


def _problem(path: str, line: int | None, message: str) -> Problem:
    return Problem(path, line, None, "", message)


def _resolve(
    root: Path, tool: str, python: str, path: str, lines: list[Entry]
) -> tuple[dict[str, Resolved], str]:
    """The lock tool's resolution of the pins (hashes stripped), for `python`: name -> version, hashes."""
    plain = "".join(f"{e.content}\n" for e in lines if e.content)
    with tempfile.TemporaryDirectory(prefix="ci-gen-hashes-") as folder:
        source, output = Path(folder) / "pins.txt", Path(folder) / "hashed.txt"
        source.write_text(plain, encoding="utf-8")
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
