"""A deploy that fails before it recorded anything leaves no files behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.deploy.state import LOCK_FILE, STATE_FILE, deploy_lock, leaves_nothing_if_refused
from generator.errors import DeployError, UsageError
from tests.deploy.conftest import write_project
from tests.deploy.helpers import run_deploy


def test_a_refusal_removes_the_lock_and_the_folders_it_made(tmp_path: Path) -> None:
    folder = tmp_path / "state" / "prod"
    with pytest.raises(UsageError), leaves_nothing_if_refused(folder), deploy_lock(folder, "prod", "x"):
        raise UsageError("bad input")
    assert list(tmp_path.iterdir()) == []


def test_an_environment_with_state_keeps_its_files(tmp_path: Path) -> None:
    folder = tmp_path / "prod"
    folder.mkdir()
    (folder / STATE_FILE).write_text("{}")
    with pytest.raises(UsageError), leaves_nothing_if_refused(folder), deploy_lock(folder, "prod", "x"):
        raise UsageError("bad input")
    assert sorted(p.name for p in folder.iterdir()) == [LOCK_FILE, STATE_FILE]


def test_a_deploy_whose_serve_command_is_missing_leaves_nothing(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", "- {name: prod, strategy: basic}\n", serve="/nonexistent/serve")
    with pytest.raises(DeployError, match="is not on PATH"):
        run_deploy(project, "prod", project.model("v1"))
    assert not (project.root / ".ci-gen-state").exists()
