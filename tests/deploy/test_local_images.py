"""The local target runs images as they are built, with real podman: an image that listens on its own port,
one that never becomes healthy, a first version that fails every prediction, a runtime switch, a deploy
refused as bad input, and the build job's smoke test when the image fails."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.deploy.ports import free_port
from generator.deploy.targets.local import procs
from generator.location import Location
from generator.podman import containers_conf
from generator.project import render_project
from generator.rehearse.containers import Runtime, write_shim
from tests.deploy.conftest import FAKE, need
from tests.deploy.helpers import run_deploy, state

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/ci-gen-base:bookworm"
BASIC = """\
- name: prod
  strategy: basic
  basic: {verify: 1s}
  gates: {min-requests: 5}
"""
# Each image is the fake service with its "model" baked in, started the way the image's CMD says.
IMAGES = {
    # Listens on 5000 whatever $PORT says, as many images do.
    "fixed": ({"label": "setosa"}, '["sh", "-c", "PORT=5000 exec python3 /app/service.py"]'),
    "unhealthy": (
        {"mode": "unhealthy"},
        '["sh", "-c", "echo model weights missing: /app/model.bin >&2; exec python3 /app/service.py"]',
    ),
    "errors": ({"mode": "error"}, '["sh", "-c", "PORT=5000 exec python3 /app/service.py"]'),
    "crash": ({}, '["sh", "-c", "echo cannot import the model >&2; exit 3"]'),
}


def podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """NAME@DIGEST of each image in IMAGES, built once for the module from the local base image."""
    need("podman")
    os.environ.setdefault("CONTAINERS_CONF", containers_conf())
    if podman("image", "exists", BASE_IMAGE).returncode != 0:
        message = f"{BASE_IMAGE} is missing: run scripts/ci-setup-podman.sh"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    folder = tmp_path_factory.mktemp("images")
    built = {}
    for name, (model, command) in IMAGES.items():
        context = folder / name
        context.mkdir()
        (context / "service.py").write_text(FAKE.read_text())
        (context / "model.json").write_text(json.dumps(model))
        (context / "Containerfile").write_text(
            f"FROM {BASE_IMAGE}\nCOPY service.py model.json /app/\nENV MODEL_PATH=/app/model.json\n"
            f"CMD {command}\n"
        )
        tag = f"localhost/ci-gen-local-images-{name}-{os.getpid()}"
        assert podman("build", "-q", "-t", tag, str(context)).returncode == 0
        built[name] = f"{tag}@{podman('image', 'inspect', '--format', '{{.Digest}}', tag).stdout.strip()}"
    yield built
    for reference in built.values():
        podman("rmi", "--force", reference.split("@")[0])


def image_project(make_project, *, container: str = "{port: 5000}", runtime: str = "podman"):
    project = make_project(BASIC, runtime=runtime)
    spec = project.root / "ci-gen.yaml"
    text = spec.read_text().replace("container: {}", f"container: {container}")
    spec.write_text(text.replace("health-timeout: 60s", "health-timeout: 8s"))
    return project


def deploy(project, image: str):
    args = ["deploy", "-C", str(project.root), "--stage", "prod", "--image", image]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def containers(project) -> list[str]:
    """Names of this project's track containers, running or not (other tests on the host have their own:
    the name ends with a digest of the project's state folder)."""
    folder = (project.root / ".ci-gen-state" / "prod").resolve()
    tag = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    names = podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    return [n for n in names if n.startswith("ci-gen-prod-") and n.endswith(f"-{tag}")]


def test_an_image_on_its_own_port_is_published_on_loopback(make_project, images, monkeypatch):
    monkeypatch.delenv("CONTAINERS_CONF", raising=False)  # ci-gen runs podman with its own settings
    project = image_project(make_project, container="{port: 5000, sample-request: sample.json}")
    (project.root / "sample.json").write_text('{"features": [1, 2, 3, 4]}')
    first = deploy(project, images["fixed"])
    assert first.exit_code == 0, first.output
    assert "installed" in first.output and "answered the sample request" in first.output
    answer = subprocess.run(
        ["curl", "-sf", "-d", "{}", project.url], capture_output=True, text=True, check=False, timeout=30
    )
    assert '"predictions": ["setosa"]' in answer.stdout


def test_an_image_that_never_gets_healthy_is_refused_with_its_log(make_project, images):
    project = image_project(make_project, container="{}")
    result = deploy(project, images["unhealthy"])
    assert result.exit_code == 1, result.output
    assert "was not healthy within 8 s" in result.output
    assert "/health last gave HTTP 503" in result.output
    assert "model weights missing: /app/model.bin" in result.output  # the container's own log
    assert state(project).stable is None and state(project).tracks == {}


def test_a_first_version_that_fails_every_prediction_is_not_made_stable(make_project, images):
    project = image_project(make_project, container="{port: 5000, sample-request: sample.json}")
    (project.root / "sample.json").write_text('{"features": [1, 2, 3, 4]}')
    result = deploy(project, images["errors"])
    assert result.exit_code == 1, result.output
    assert "refused" in result.output and "the sample request to /predict got HTTP 500" in result.output
    assert state(project).stable is None and state(project).tracks == {}
    assert [entry["outcome"] for entry in state(project).history] == ["refused"]
    assert containers(project) == []


def test_a_first_version_is_judged_on_synthetic_traffic(make_project, images):
    project = image_project(make_project)
    (project.root / "users.jsonl").write_text('{"features": [1, 2, 3, 4]}\n')
    spec = project.root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("    env: {}", "    env: {}\n    traffic: users.jsonl"))
    result = deploy(project, images["errors"])
    assert result.exit_code == 1, result.output
    assert "first version: fail" in result.output and "error-rate 1.000 is not <= 0.01" in result.output
    assert state(project).stable is None


def test_switching_the_runtime_between_deploys(make_project, images):
    project = image_project(make_project, runtime="process")
    assert run_deploy(project, "prod", project.model("v1"), version="v1").outcome == "installed"
    process = state(project).tracks["stable"].pid
    spec = project.root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("runtime: process", "runtime: podman"))
    to_podman = deploy(project, images["fixed"])
    assert to_podman.exit_code == 0, to_podman.output
    assert "cannot run on the podman runtime" in to_podman.output
    assert not procs.alive(process, None)  # the process track was stopped (a zombie child counts as gone)
    assert state(project).stable.image == images["fixed"]
    spec.write_text(spec.read_text().replace("runtime: podman", "runtime: process"))
    back = run_deploy(project, "prod", project.model("v2"), version="v2")
    assert back.outcome == "installed", back.events
    assert containers(project) == [] and state(project).stable.version == "v2"


def test_a_refused_deploy_leaves_no_files(make_project, images):
    project = image_project(make_project)
    result = deploy(project, "localhost/ci-gen-never-built:v1")  # no digest: a local build, never pulled
    assert result.exit_code == 2 and "is not on this host" in result.output
    assert not (project.root / ".ci-gen-state").exists()
    result = deploy(project, "localhost/ci-gen-never-built@sha256:" + "1" * 64)  # pulled: nothing answers
    assert result.exit_code == 3 and "could not pull" in result.output
    assert not (project.root / ".ci-gen-state").exists()


def test_a_failed_smoke_test_leaves_no_container_and_shows_its_log(tmp_path, images):
    port = free_port()
    (tmp_path / "requirements.in").write_text("")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "ci-gen.yaml").write_text(
        f'version: 1\nproject: smoke\npython: "3.11"\ncontainer: {{port: {port}}}\n'
    )
    outputs = render_project(Location.find(tmp_path, None)).outputs
    build = yaml.safe_load(outputs[".github/workflows/ci-gen.yml"])["jobs"]["build"]
    step = next(s for s in build["steps"] if s.get("name") == "Smoke-test the image")
    shim = write_shim(Runtime("podman", need("podman")), tmp_path / "bin")
    env = {
        **os.environ,
        **{k: str(v) for k, v in step["env"].items()},
        "IMAGE": images["crash"],
        "GITHUB_RUN_ID": str(os.getpid()),
        "GITHUB_RUN_ATTEMPT": "1",
        "PATH": f"{shim}:{os.environ['PATH']}",
    }
    smoke = subprocess.run(
        ["bash", "-c", step["run"]], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert smoke.returncode != 0
    assert "cannot import the model" in smoke.stdout + smoke.stderr  # the container's log, on failure
    assert "the container exited before it answered /health" in smoke.stdout
    name = f"ci-gen-smoke-{os.getpid()}-1"
    assert podman("ps", "--all", "--quiet", "--filter", f"name=^{name}$").stdout.strip() == ""
