"""`ci-gen lock --add-hashes`: hash the spec's adopted pinned files and turn hashes on for them in the spec.

Everything is computed first (every file resolved, the spec edited in memory and validated); only then is
anything written, each file atomically, so a refusal leaves the project exactly as it was. The spec edit
replaces the one `false` scalar of each `hashes:` key, so the rest of the file keeps its every byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.errors import UsageError
from generator.locking.pinned_hashes import HashedFile, Neighbours, add_hashes
from generator.outputs import write_file
from generator.plan import Lock
from generator.project import Loaded
from generator.spec.load import load_spec_text
from generator.spec.source import Path as SpecPath

_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # the breaks YAML counts lines by
_FALSE = ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF")


@dataclass(frozen=True)
class HashingDone:
    files: tuple[HashedFile, ...]
    turned_on: tuple[str, ...]  # files the spec now installs with --require-hashes


def adopted_locks(loaded: Loaded) -> tuple[Lock, ...]:
    """The project's own pinned requirements files the spec uses as locks."""
    return tuple(lock for lock in loaded.plan.checked_locks if lock.kind == "pinned")


def hash_adopted(loaded: Loaded) -> HashingDone:
    """Add hashes to every adopted pinned file (keeping its pins) and turn `hashes` on in the spec."""
    locks = adopted_locks(loaded)
    if not locks:
        raise UsageError(
            f"{loaded.location.display(loaded.location.spec)} adopts no pinned requirements .txt file",
            hint="--add-hashes is for a project's own pinned requirements.txt; `ci-gen lock` does the rest",
        )
    plan = loaded.plan
    runtime = plan.runtime_lock.output if plan.runtime_lock.kind != "uv-lock" else None
    around = Neighbours(loaded.location.root, runtime)
    files = []
    for lock in locks:  # the runtime lock first: a dev file that names it sees its new text
        files.append(add_hashes(plan.lock_tool, plan.python, lock.output, around))
        around.pending[lock.output] = files[-1].text
    off = {lock.output for lock in locks if not lock.hashes}
    spec_text = _hashes_on(loaded, off) if off else None
    for item in files:
        if item.changed:
            write_file(loaded.location.root / item.path, item.text)
    if spec_text is not None:
        write_file(loaded.location.spec, spec_text)
    return HashingDone(tuple(files), tuple(sorted(off)))


def _hashes_on(loaded: Loaded, files: set[str]) -> str:
    """The spec's text with `hashes: false` turned to true for `files`; checked before it is returned."""
    text = loaded.spec_bytes.decode("utf-8")
    offsets = sorted(
        (_false_offset(loaded, text, path) for path in _hashes_keys(loaded, files)), reverse=True
    )
    for start, end in offsets:
        text = text[:start] + "true" + text[end:]
    spec, _ = load_spec_text(text, loaded.location.display(loaded.location.spec))
    inputs = (spec.dependencies.runtime, *spec.dependencies.dev)
    assert all(item.hashes for item in inputs if item.input in files), "hashes still off after the edit"
    return text


def _hashes_keys(loaded: Loaded, files: set[str]) -> list[SpecPath]:
    dependencies = loaded.spec.dependencies
    found: list[SpecPath] = []
    if dependencies.runtime.input in files and not dependencies.runtime.hashes:
        found.append(("dependencies", "runtime", "hashes"))
    for index, item in enumerate(dependencies.dev):
        if item.input in files and not item.hashes:
            found.append(("dependencies", "dev", index, "hashes"))
    return found


def _false_offset(loaded: Loaded, text: str, path: SpecPath) -> tuple[int, int]:
    """Where the `false` of `path` is written: (start, end) offsets into the spec's text."""
    position, written = loaded.document.values.get(path), loaded.document.texts.get(path)
    if position is not None and written in _FALSE:
        starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]
        start = starts[position[0] - 1] + position[1] - 1
        if text[start : start + len(written)] == written:
            return start, start + len(written)
    shown = ".".join(str(part) for part in path)
    raise UsageError(
        f"could not find where {loaded.location.display(loaded.location.spec)} sets {shown}: false",
        hint="set it to true by hand; nothing was changed",
    )
