"""A rehearsed deploy job leaves nothing running (unless asked, then lists it), and a series of rehearsed
pushes can carry its deploy state from one rehearsal to the next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.deploy.control import rollback
from generator.deploy.state import EnvState
from generator.location import Location
from generator.rehearse import Notice, RehearsalRequest, rehearse
from generator.rehearse.results import Event
from tests.deploy.conftest import FAKE_SERVE, free_block, need

pytestmark = pytest.mark.slow

WORKFLOW = """\
name: deploy
on:
  push:
    branches: [main]
permissions: {}
jobs:
  deploy-prod:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000
        with:
          persist-credentials: false
      - name: Deploy
        uses: ci-gen/ci-gen@0000000000000000000000000000000000000000
        with:
          command: deploy
          args: "--stage prod --artifact models/MODEL.json"
"""


def project(root: Path) -> Path:
    """A project whose one workflow deploys models/v1.json through a basic stage (process runtime)."""
    (root / "models").mkdir(parents=True)
    (root / "requirements.in").write_text("")
    (root / "Dockerfile").write_text("FROM scratch\n")
    for version, label in (("v1", "setosa"), ("v2", "versicolor")):
        (root / "models" / f"{version}.json").write_text(json.dumps({"label": label}))
    (root / "users.jsonl").write_text('{"features": [1, 2, 3, 4]}\n')
    (root / "ci-gen.yaml").write_text(
        'version: 1\nproject: tiny\npython: "3.11"\ncontainer: {}\n'
        'action: "ci-gen/ci-gen@0000000000000000000000000000000000000000"\n'
        f"deploy:\n  local: {{serve: {json.dumps(FAKE_SERVE)}, base-port: {free_block(4)},\n"
        "    traffic: users.jsonl}\n"
        "  stages: [{name: prod, strategy: basic, basic: {verify: 1s}, gates: {min-requests: 5}}]\n"
    )
    (root / ".github" / "workflows").mkdir(parents=True)
    deploying(root, "v1")
    return root


def deploying(root: Path, model: str) -> None:
    (root / ".github" / "workflows" / "deploy.yml").write_text(WORKFLOW.replace("MODEL", model))


def run(root: Path, **options: object) -> tuple[bool, list[str]]:
    events: list[Event] = []
    request = RehearsalRequest(
        location=Location.find(root, None),
        event="push",
        workflows=("deploy.yml",),
        cache_dir=root.parent / "cache",
        **options,  # type: ignore[arg-type]
    )
    result = rehearse(request, events.append)
    assert result.ok, result.failure and result.failure[1].log
    return result.workdir is not None, [e.message for e in events if isinstance(e, Notice)]


def nginx_of(folder: Path) -> list[str]:
    """nginx command lines whose prefix is under `folder`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (
                (entry / "cmdline").read_bytes().decode(errors="replace") if entry.name.isdigit() else ""
            )
        except OSError:
            continue
        if cmdline.startswith("nginx") and str(folder) in cmdline:
            found.append(cmdline)
    return found


def test_a_rehearsed_deploy_stops_what_it_started_and_keeps_state_when_asked(tmp_path: Path) -> None:
    need("nginx")
    root = project(tmp_path / "tiny")
    state_dir = tmp_path / "state"
    _, notes = run(root, state_dir=state_dir, workdir=tmp_path / "work")
    assert any("stopped the tracks and router of 'prod'" in n for n in notes), notes
    assert nginx_of(tmp_path / "work") == []
    first = EnvState.model_validate_json((state_dir / "prod" / "state.json").read_text())
    assert first.stable is not None and first.tracks == {} and first.router.pid is None

    deploying(root, "v2")
    _, notes = run(root, state_dir=state_dir, workdir=tmp_path / "work")
    assert any("brought in the deploy state of 'prod'" in n for n in notes), notes
    second = EnvState.model_validate_json((state_dir / "prod" / "state.json").read_text())
    assert second.stable is not None and second.stable.version != first.stable.version
    assert [h["outcome"] for h in second.history] == ["promoted"]  # judged against the first, then kept
    assert nginx_of(tmp_path / "work") == []


def test_keep_deployments_leaves_them_running_and_lists_them(tmp_path: Path) -> None:
    need("nginx")
    root = project(tmp_path / "tiny")
    kept, notes = run(root, keep_deployments=True, workdir=tmp_path / "work")
    assert kept
    assert any("kept running (prod): router http://127.0.0.1:" in n for n in notes), notes
    workspace = tmp_path / "work" / "jobs" / "deploy-prod" / "workspace"
    try:
        assert nginx_of(tmp_path / "work") != []
    finally:
        rollback(Location.find(workspace, None), "prod", lambda event: None, down=True)
    assert nginx_of(tmp_path / "work") == []
