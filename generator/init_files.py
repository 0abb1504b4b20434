"""Write what `ci-gen init` detected: the files the spec needs, the spec, its JSON Schema, .gitignore, and
the locks that do not exist yet (so that the first CI run's lock job passes)."""

from __future__ import annotations

import json
from collections.abc import Callable

from generator.defaults import STATE_DIR
from generator.init import SCHEMA_FILE, Detected, gitignore_text
from generator.location import Location
from generator.locking.run import write_lock
from generator.outputs import write_file
from generator.project import load
from generator.spec.schema import spec_schema

Say = Callable[[str], None]


def write_all(location: Location, found: Detected, text: str, force: bool, say: Say) -> None:
    """Write the detected files that are missing, the spec `text`, the schema and .gitignore."""
    for name, content in found.files.items():
        if not (location.root / name).exists():
            write_file(location.root / name, content)
            say(f"wrote {location.display(location.root / name)}")
    write_file(location.spec, text)
    say(f"wrote {location.display(location.spec)} (python {found.python}, project {found.project})")
    schema_path = location.root / SCHEMA_FILE
    if force or not schema_path.exists():
        write_file(schema_path, json.dumps(spec_schema(), indent=2) + "\n")
        say(f"wrote {location.display(schema_path)} (for editor completion; refresh: ci-gen schema)")
    ignore = gitignore_text(location.root)
    if ignore is not None:
        write_file(location.root / ".gitignore", ignore)
        say(f"added {STATE_DIR}/ to {location.display(location.root / '.gitignore')}")


def lock_missing(location: Location, created: set[str], say: Say) -> None:
    """Compile the locks that do not exist yet, or whose input or first pins (poetry.lock's versions)
    init just wrote: the lock job then passes."""
    plan = load(location).plan
    for lock in plan.checked_locks:
        missing = not (location.root / lock.output).is_file()
        if lock.kind == "compile" and (missing or lock.input in created or lock.output in created):
            write_lock(location.root, plan.lock_tool, plan.python, lock, say)
