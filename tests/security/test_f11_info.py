"""Finding 11 (info): the smaller items, each made true or said plainly (docs/security.md).

On main containers ran without dropping capabilities, the shadow mirror log (request bodies) was
world-readable and never emptied, the Jinja2 floor admitted versions with sandbox escapes, and one pinned
action was missing from docs/actions-pins.md."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import jinja2
import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

from generator.deploy.release import image_release
from generator.deploy.targets.local.router import empty_log, private_log
from generator.deploy.targets.local.runtimes import ContainerRuntime, TrackLaunch
from generator.resources import data_file
from tests.helpers import REPO

IMAGE = "ghcr.io/acme/iris@sha256:" + "a" * 64


def test_containers_run_without_privileges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "argv"
    fake = tmp_path / "bin" / "podman"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {log}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    launch = TrackLaunch("iris-stable", image_release(IMAGE), 18080, {}, tmp_path, tmp_path, 8000)
    ContainerRuntime("podman").start(launch)
    argv = log.read_text().splitlines()
    for flag in ("--cap-drop=ALL", "--security-opt=no-new-privileges", "--read-only"):
        assert flag in argv
    assert not any(a.startswith("--network=host") for a in argv)


def test_the_mirror_log_is_private_and_emptied(tmp_path: Path) -> None:
    log = tmp_path / "mirror.jsonl"
    log.write_text('{"body": "a request"}\n')
    log.chmod(0o644)
    private_log(log)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    empty_log(log)
    assert log.read_text() == ""


def test_the_jinja2_floor_excludes_versions_with_sandbox_escapes() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    (jinja,) = [
        Requirement(r) for r in pyproject["project"]["dependencies"] if r.lower().startswith("jinja2")
    ]
    assert not jinja.specifier.contains("3.1.5") and jinja.specifier.contains("3.1.6")
    assert Version(jinja2.__version__) >= Version("3.1.6")


def test_every_pinned_action_is_documented() -> None:
    pins = json.loads(data_file("actions.json").read_text())
    doc = (REPO / "docs" / "actions-pins.md").read_text()
    missing = [
        name for name, pin in pins.items() if f"| {name} | {pin['version']} | `{pin['sha']}` |" not in doc
    ]
    assert missing == []
