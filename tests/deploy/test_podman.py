"""The podman runtime, driven exactly as the generated deploy job drives it:
`ci-gen deploy --stage NAME --image REF@DIGEST --spec ci-gen.yaml` from the project folder."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.deploy.conftest import FAKE, need
from tests.deploy.helpers import failed, state, users
from tests.deploy.registry import Registry

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = "localhost/ci-gen-base:bookworm"
CANARY = """\
- name: production
  strategy: canary
  canary: {steps: [50, 100], interval: 2s}
  gates: {min-requests: 5, latency-p99-vs-stable: "<= 10", agreement: ">= 0.9"}
"""


@pytest.fixture
def podman(monkeypatch, tmp_path):
    need("podman")
    monkeypatch.setenv("CONTAINERS_CONF", str(ROOT / "generator" / "data" / "podman" / "containers.conf"))
    if subprocess.run(["podman", "image", "exists", BASE_IMAGE], check=False).returncode != 0:
        message = f"{BASE_IMAGE} is missing: run scripts/ci-setup-podman.sh"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    built: list[str] = []

    def build(label: str, version: str) -> str:
        """An image of the fake service with its "model" baked in; returns NAME@DIGEST."""
        context = tmp_path / f"image-{version}"
        context.mkdir()
        (context / "service.py").write_text(FAKE.read_text())
        (context / "model.json").write_text(json.dumps({"label": label, "version": version}))
        (context / "Containerfile").write_text(
            f"FROM {BASE_IMAGE}\nCOPY service.py model.json /app/\nENV MODEL_PATH=/app/model.json\n"
            'CMD ["python3", "/app/service.py"]\n'
        )
        name = f"localhost/ci-gen-deploy-test-{version}-{os.getpid()}"
        subprocess.run(["podman", "build", "-q", "-t", name, str(context)], check=True, capture_output=True)
        digest = subprocess.run(
            ["podman", "image", "inspect", "--format", "{{.Digest}}", name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        built.append(name)
        return f"{name}@{digest}"

    yield build
    for name in built:
        subprocess.run(["podman", "rmi", "--force", name], check=False, capture_output=True)


def deploy(image: str):
    args = ["deploy", "--stage", "production", "--image", image, "--spec", "ci-gen.yaml"]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_the_generated_jobs_arguments_deploy_images_with_podman(make_project, podman, monkeypatch):
    project = make_project(CANARY, runtime="podman")
    first, second = podman("setosa", "v1"), podman("setosa", "v2")
    monkeypatch.chdir(project.root)
    installed = deploy(first)
    assert installed.exit_code == 0, installed.output
    assert state(project, "production").tracks["stable"].container.startswith("ci-gen-production-stable-")

    load = users(project)
    result = deploy(second)
    samples = load.stop()
    assert result.exit_code == 0, result.output
    assert "promoted" in result.output and "agreement 100.0%" in result.output
    final = state(project, "production")
    assert final.stable.image == second and set(final.tracks) == {"stable"}
    assert failed(samples) == 0
    names = subprocess.run(["podman", "ps", "--format", "{{.Names}}"], capture_output=True, text=True).stdout
    assert (
        sum(
            name.startswith("ci-gen-production-") and name.endswith(final.tracks["stable"].container[-8:])
            for name in names.split()
        )
        == 1
    )


def test_an_image_that_is_not_on_the_host_and_cannot_be_pulled_is_refused(make_project, podman, monkeypatch):
    project = make_project(CANARY, runtime="podman")
    monkeypatch.chdir(project.root)
    result = deploy("localhost/ci-gen-never-built:v1")  # no digest: a local build, never pulled
    assert result.exit_code == 2 and "is not on this host" in result.output
    result = deploy("localhost/ci-gen-never-built@sha256:" + "1" * 64)  # pulled, but nothing answers
    assert result.exit_code == 3 and "could not pull localhost/ci-gen-never-built@sha256:" in result.output
    assert state(project, "production").tracks == {}


@pytest.fixture
def registry(podman, tmp_path, monkeypatch):
    """A registry double on 127.0.0.1 serving a freshly built image; podman talks plain HTTP to it."""
    image = podman("setosa", "served").partition("@")[0]
    folder = tmp_path / "registry-image"
    push = ["podman", "push", "--quiet", "--format", "v2s2", image, f"dir:{folder}"]
    subprocess.run(push, check=True, capture_output=True, timeout=300)
    served = Registry(folder, "ci-gen/served", "v1", "deploy-bot", "job-token").start()
    conf = tmp_path / "registries.conf"
    conf.write_text(f'[[registry]]\nlocation = "{served.host}"\ninsecure = true\n')
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
    yield served
    served.stop()
    pulled = f"{served.host}/ci-gen/served@{served.digest}"
    subprocess.run(["podman", "rmi", pulled], check=False, capture_output=True, timeout=120)


BASIC = """\
- name: production
  strategy: basic
  basic: {verify: 1s}
  gates: {min-requests: 0}
"""


def test_a_digest_is_pulled_with_the_jobs_token_and_checked(make_project, registry, monkeypatch):
    project = make_project(BASIC, runtime="podman")
    monkeypatch.chdir(project.root)
    reference = f"{registry.host}/ci-gen/served@{registry.digest}"
    refused = deploy(reference)  # no credentials: the registry says 401
    assert refused.exit_code == 3 and "could not pull" in refused.output, refused.output
    monkeypatch.setenv("CI_GEN_REGISTRY_USERNAME", "deploy-bot")
    monkeypatch.setenv("CI_GEN_REGISTRY_PASSWORD", "job-token")
    result = deploy(reference)
    assert result.exit_code == 0, result.output
    assert f"GET /v2/ci-gen/served/manifests/{registry.digest}" in registry.requests
    assert state(project, "production").stable.image == reference
    lie = reference.rpartition(":")[0] + ":" + "2" * 64  # a digest this registry answers with other bytes
    registry.lie = True
    mismatch = deploy(lie)
    assert mismatch.exit_code == 3 and "does not match" in mismatch.output, mismatch.output
    assert state(project, "production").stable.image == reference
