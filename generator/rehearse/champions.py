"""The champion a rehearsed model job compares with. The job's workspace is a scratch copy without the
git-ignored deploy state, so before a `model-report` step the champion record is brought in: the one a
previous rehearsal kept (--state-dir), else the one this repository's own deploys recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.errors import CiGenError
from generator.location import Location
from generator.model.champion import RECORD_FOLDER

STATE_FILE = "state.json"


def champion_folder(folder: Path, spec: str) -> Path | None:
    """The champion stage's state folder, relative to the spec's folder (None: no champion, or absolute:
    a state folder outside the checkout, which the job reads as it is)."""
    from generator.project import load

    try:
        loaded = load(Location.find(folder, Path(spec)))
    except CiGenError:
        return None  # the step itself reports what is wrong
    stage = loaded.plan.stage(loaded.spec.champion_stage) if loaded.spec.champion_stage else None
    if stage is None or Path(stage.deploy.state_dir).is_absolute():
        return None
    return Path(stage.deploy.state_folder)


def bring_in_champion(
    workspace: Path, folder: Path, spec: str, origin: Path, state_dir: Path | None
) -> str | None:
    """Copy the champion record (and the stage's state, to tell a stale record) into the workspace."""
    relative = champion_folder(folder, spec)
    if relative is None:
        return None
    kept = state_dir / relative.name if state_dir is not None else None
    source = kept if kept is not None and (kept / RECORD_FOLDER).is_dir() else None
    source = source or origin / folder.relative_to(workspace) / relative
    if not (source / RECORD_FOLDER).is_dir():
        return None
    target = folder / relative
    shutil.copytree(source / RECORD_FOLDER, target / RECORD_FOLDER, dirs_exist_ok=True)
    if (source / STATE_FILE).is_file():
        shutil.copy2(source / STATE_FILE, target / STATE_FILE)
    return f"the champion of '{relative.name}' from {source}"


def keep_champion(state_folder: Path, state_dir: Path) -> str | None:
    """After a rehearsed deploy: keep the champion record it wrote with the kept state."""
    if not (state_folder / RECORD_FOLDER).is_dir():
        return None
    kept = state_dir / state_folder.name / RECORD_FOLDER
    shutil.copytree(state_folder / RECORD_FOLDER, kept, dirs_exist_ok=True)
    return f"champion of '{state_folder.name}' kept in {kept}"
