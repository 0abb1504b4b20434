"""The verdict of `ci-gen check`: does .github/workflows match what the spec renders to, and how to fix it.

Light to import: an untouched repository is answered from the workflow headers (generator/quick.py) and
only drift needs the rendering stack, which is imported then.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.location import DEFAULT_SPEC, Location
from generator.quick import up_to_date

EXPLAIN = {
    "stale": "the spec or templates changed since it was generated",
    "pack changed": "a pack it uses changed version since it was generated",
    "edited by hand": "put the change in the spec or a template override instead",
    "missing": "it has not been generated yet",
    "no longer generated": "the spec no longer produces it",
}
"""Why a workflow file is in each drift state, and what to do (also the Action's annotations)."""


@dataclass(frozen=True)
class Verdict:
    """The files that drifted (path, state, diff, detail), the command that fixes them, and whether the
    answer came from the headers alone."""

    drift: list[dict[str, str]]
    fix: str
    quick: bool

    def as_json(self) -> dict[str, Any]:
        return {"up_to_date": not self.drift, "files": self.drift, "fix": self.fix, "quick": self.quick}


def check(location: Location, *, full: bool) -> Verdict:
    """Compare the workflows with what the spec renders to; unless `full`, trust headers that prove them
    current (fast, for pre-commit and a laptop, where the person running it wrote the files)."""
    if not full and up_to_date(location.root, location.spec, location.extra_templates):
        return Verdict([], fix_command(location), quick=True)
    from generator.outputs import State, compare
    from generator.project import render_project

    rendering = render_project(location)
    states = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    drift = [{"path": s.path, "state": s.state.value, "diff": s.diff, "detail": s.detail} for s in states]
    return Verdict(drift, fix_command(location), quick=False)


def fix_command(location: Location) -> str:
    """The `ci-gen generate` command line that brings these workflows up to date, from the current folder."""
    parts = ["ci-gen generate"]
    if location.root != Path.cwd().resolve():
        parts.append(f"-C {location.display(location.root)}")
    if location.spec.name != DEFAULT_SPEC:
        parts.append(f"--spec {location.spec.name}")
    parts += [f"--templates {location.display(t)}" for t in location.extra_templates]
    return " ".join(parts)
