"""A container a rehearsed step starts and leaves behind is removed when its job ends (real podman)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from generator.location import Location
from generator.rehearse import Notice, RehearsalRequest, rehearse
from generator.rehearse.results import Event
from tests.deploy.conftest import need

pytestmark = pytest.mark.slow

BASE_IMAGE = "localhost/ci-gen-base:bookworm"
WORKFLOW = """\
name: leak
on: [pull_request]
permissions: {}
jobs:
  leak:
    runs-on: ubuntu-latest
    steps:
      - name: Start a container and forget it
        run: docker run --detach --name "NAME" "IMAGE" sleep 300
"""


def test_a_container_a_step_left_running_is_removed(tmp_path: Path) -> None:
    need("podman")
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode != 0:
        message = f"{BASE_IMAGE} is missing: run scripts/ci-setup-podman.sh"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    name = f"ci-gen-test-leak-{os.getpid()}"
    (tmp_path / "requirements.in").write_text("")
    (tmp_path / "ci-gen.yaml").write_text('version: 1\nproject: leak\npython: "3.11"\n')
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    workflow = WORKFLOW.replace("NAME", name).replace("IMAGE", BASE_IMAGE)
    (tmp_path / ".github" / "workflows" / "leak.yml").write_text(workflow)
    events: list[Event] = []
    request = RehearsalRequest(
        location=Location.find(tmp_path, None),
        workflows=("leak.yml",),
        cache_dir=tmp_path / "cache",
        container_runtime="podman",
    )
    try:
        result = rehearse(request, events.append)
        assert result.ok, result.failure and result.failure[1].log
        assert any(f"removed container {name}" in e.message for e in events if isinstance(e, Notice))
        listed = ["podman", "ps", "--all", "--quiet", "--filter", f"name=^{name}$"]
        assert subprocess.run(listed, capture_output=True, text=True, check=False).stdout.strip() == ""
    finally:
        subprocess.run(["podman", "rm", "--force", name], capture_output=True, check=False)
