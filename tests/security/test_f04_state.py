"""Finding 4 (low): deploy state was trusted as it lay on disk.

On main `start_ticks: null` switched off the pid-reuse guard (ci-gen would then signal any pid), a
container name starting with `--` became a podman option, `deploy.lock` was opened through a link and
truncated, and the state folder was created world-readable."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from generator.deploy.release import image_release
from generator.deploy.state import EnvState, StateStore, TrackRecord, deploy_lock
from generator.deploy.targets.local import procs
from generator.deploy.targets.local.runtimes import ContainerRuntime
from generator.errors import DeployError

IMAGE = "ghcr.io/acme/iris@sha256:" + "a" * 64


@pytest.fixture
def victim() -> int:
    """A process that is not ci-gen's: the pid a tampered state file points at."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def _state(tmp_path: Path, **router: object) -> StateStore:
    store = StateStore(tmp_path / "state", "production")
    store.folder.mkdir()
    data = {"environment": "production", "router": router}
    store.path.write_text(json.dumps(data))
    return store


def test_a_pid_without_its_start_time_is_refused_on_load(tmp_path: Path, victim: int) -> None:
    store = _state(tmp_path, pid=victim, start_ticks=None)
    with pytest.raises(DeployError, match="start_ticks"):
        store.load()
    assert not procs.alive(victim, None), "a pid without its start time must never pass for ours"


@pytest.mark.parametrize("pid", [0, 1, -1])
def test_pids_that_name_a_group_or_init_are_refused(tmp_path: Path, pid: int) -> None:
    with pytest.raises(DeployError):
        _state(tmp_path, pid=pid, start_ticks=5).load()


def test_a_container_name_that_reads_as_an_option_is_refused_and_passed_after_dashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = image_release(IMAGE).model_dump()
    track = {"release": release, "port": 8080, "container": "--help"}
    store = StateStore(tmp_path, "production")
    store.path.write_text(json.dumps({"environment": "production", "tracks": {"stable": track}}))
    with pytest.raises(DeployError, match="container"):
        store.load()
    # Names the runtime passes on come after `--`, whatever their origin.
    log = tmp_path / "argv"
    fake = tmp_path / "bin" / "podman"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {log}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    record = TrackRecord.model_construct(release=image_release(IMAGE), port=8080, container="x-stable")
    ContainerRuntime("podman").stop(record)
    argv = log.read_text().splitlines()
    assert argv[argv.index("x-stable") - 1] == "--"


def test_the_lock_is_not_opened_through_a_link(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("do not truncate\n")
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    (folder / "deploy.lock").symlink_to(precious)
    with pytest.raises(DeployError), deploy_lock(folder, "production", "test"):
        pass
    assert precious.read_text() == "do not truncate\n"


def test_the_state_folder_is_private(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "deep" / "state", "production")
    store.save(EnvState(environment="production"))
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) & 0o077 == 0
