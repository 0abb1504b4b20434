"""Consume a rendering: write it atomically, or compare it with what is on disk (drift)."""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from generator.defaults import WORKFLOWS_DIR
from generator.packs.model import parse_identities
from generator.paths import confine, read_bytes_capped
from generator.render.header import body_digest, split_header


class State(str, Enum):
    UP_TO_DATE = "up to date"
    STALE = "stale"  # an untouched older generation: the spec or templates changed since
    PACK_CHANGED = "pack changed"  # stale, and a pack it was rendered with has another version now
    EDITED = "edited by hand"
    MISSING = "missing"
    ORPHANED = "no longer generated"


@dataclass(frozen=True)
class FileState:
    path: str
    state: State
    diff: str = ""
    detail: str = ""  # for PACK_CHANGED: which pack went from which version to which


def compare(root: Path, outputs: dict[str, str]) -> list[FileState]:
    """The state of every generated file: each expected output, and old ones that should be deleted."""
    confine(root, root / WORKFLOWS_DIR, "the workflows folder")
    states = [_compare_one(root, path, text) for path, text in sorted(outputs.items())]
    states += [
        FileState(path, State.ORPHANED, _diff(path, _read(root / path), ""))
        for path in orphans(root, outputs)
    ]
    return states


def _compare_one(root: Path, path: str, expected: str) -> FileState:
    actual = _read(root / path)
    if actual is None:
        return FileState(path, State.MISSING, _diff(path, "", expected))
    if actual == expected:
        return FileState(path, State.UP_TO_DATE)
    header, body = split_header(actual)
    if header is None or header.body != body_digest(body):
        return FileState(path, State.EDITED, _diff(path, actual, expected))
    wanted = split_header(expected)[0]
    change = pack_change(header.packs, wanted.packs if wanted else "")
    state = State.PACK_CHANGED if change else State.STALE
    return FileState(path, state, _diff(path, actual, expected), change)


def pack_change(before: str, after: str) -> str:
    """`acme-ml 1.0.0 -> 1.1.0` for each pack whose identity differs between two headers, else ""."""
    if before == after:
        return ""
    old = {name: (version, commit) for name, version, commit in parse_identities(before)}
    new = {name: (version, commit) for name, version, commit in parse_identities(after)}
    changes = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            changes.append(f"{name} {_shown(old.get(name))} -> {_shown(new.get(name))}")
    return "; ".join(changes)


def _shown(identity: tuple[str, str | None] | None) -> str:
    if identity is None:
        return "(none)"
    version, commit = identity
    return f"{version} ({commit[:12]})" if commit else version


def orphans(root: Path, outputs: dict[str, str]) -> list[str]:
    """Files that carry ci-gen's header but are no longer part of the rendering."""
    folder = root / WORKFLOWS_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        relative = f"{WORKFLOWS_DIR}/{path.name}"
        if relative in outputs or path.suffix not in {".yml", ".yaml"} or not path.is_file():
            continue
        if split_header(_read(path) or "")[0] is not None:
            found.append(relative)
    return found


def write(root: Path, outputs: dict[str, str]) -> list[FileState]:
    """Write every changed output and delete orphans. All files are staged first, then swapped in."""
    states = [s for s in compare(root, outputs) if s.state is not State.UP_TO_DATE]
    staged: list[tuple[Path, Path]] = []
    try:
        for state in states:
            if state.state is not State.ORPHANED:
                staged.append((_stage(root / state.path, outputs[state.path]), root / state.path))
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in staged:
        temporary.replace(target)
    for state in states:
        if state.state is State.ORPHANED:
            (root / state.path).unlink()
    return states


def write_file(target: Path, text: str) -> None:
    """Write one file atomically: readers see the old or the new content, never half of it."""
    _stage(target, text).replace(target)


def _stage(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    staged = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        staged.chmod(target.stat().st_mode & 0o777 if target.exists() else 0o644)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def _read(path: Path) -> str | None:
    """A workflow's text; a link that leaves the workflows folder is refused, never read."""
    confine(path.parent, path, "workflow file")
    try:
        raw = read_bytes_capped(path)
    except FileNotFoundError:
        return None
    return raw.decode("utf-8", errors="replace")


def _diff(path: str, actual: str | None, expected: str) -> str:
    lines = difflib.unified_diff(
        (actual or "").splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
