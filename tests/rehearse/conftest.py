"""A tiny project whose hand-written workflows exercise each part of the runner in seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.location import Location
from generator.outputs import write
from generator.project import render_project
from generator.rehearse import RehearsalRequest, RehearsalResult, rehearse
from generator.rehearse.results import Event

TINY = Path(__file__).parent / "tiny"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A copy of tests/rehearse/tiny with its generated workflows written, so `ci-gen check` passes."""
    root = shutil.copytree(TINY, tmp_path / "tiny")
    location = Location.find(root, None)
    write(root, render_project(location).outputs)
    return root


def rehearse_tiny(root: Path, workflow: str, **options: object) -> tuple[RehearsalResult, list[Event]]:
    """Rehearse one workflow of the tiny project; return the result and every event it emitted."""
    events: list[Event] = []
    request = RehearsalRequest(
        location=Location.find(root, None),
        workflows=(workflow,),
        cache_dir=root.parent / "cache",
        **options,  # type: ignore[arg-type]
    )
    return rehearse(request, events.append), events
