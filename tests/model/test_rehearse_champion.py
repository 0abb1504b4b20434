"""Rehearsed model jobs meet the champion the deploy state recorded: kept by a previous rehearsal
(--state-dir) first, else this repository's own."""

from __future__ import annotations

import json
from pathlib import Path

from generator.model.champion import RECORD, RECORD_FOLDER
from generator.rehearse.champions import bring_in_champion, keep_champion
from tests.model.test_command import make

FOLDER = Path(".ci-gen-state") / "prod"


def record(root: Path, version: str) -> None:
    folder = root / FOLDER / RECORD_FOLDER
    folder.mkdir(parents=True)
    (folder / RECORD).write_text(json.dumps({"version": version}))


def test_the_repositorys_record_is_brought_into_the_workspace(tmp_path: Path) -> None:
    origin = make(tmp_path / "origin").root
    workspace = make(tmp_path / "workspace").root
    assert bring_in_champion(workspace, workspace, "ci-gen.yaml", origin, None) is None  # nothing recorded
    record(origin, "v1")
    said = bring_in_champion(workspace, workspace, "ci-gen.yaml", origin, None)
    assert said is not None and "the champion of 'prod'" in said
    assert json.loads((workspace / FOLDER / RECORD_FOLDER / RECORD).read_text()) == {"version": "v1"}


def test_a_kept_record_comes_first_and_deploys_keep_theirs(tmp_path: Path) -> None:
    origin = make(tmp_path / "origin").root
    workspace = make(tmp_path / "workspace").root
    kept = tmp_path / "kept"
    record(origin, "v1")
    record(workspace, "v2")  # what a rehearsed deploy recorded
    assert keep_champion(workspace / FOLDER, kept) is not None
    (workspace / FOLDER / RECORD_FOLDER / RECORD).unlink()
    bring_in_champion(workspace, workspace, "ci-gen.yaml", origin, kept)
    assert json.loads((workspace / FOLDER / RECORD_FOLDER / RECORD).read_text()) == {"version": "v2"}
