"""One real rehearsal of the example project, shared by the tests that read its results.

Outside CI it runs the lock, test and model jobs (asked for by name: the model job needs only the lock);
in CI (CI=true), or with CI_GEN_TEST_CONTAINERS=1,
it also runs the build job: the example image built with podman from the debootstrap base image that
scripts/ci-setup-podman.sh makes, then smoke-tested. In CI a missing podman or base image fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.location import Location
from generator.rehearse import RehearsalRequest, RehearsalResult, rehearse

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "example_project"
BASE_IMAGE = "localhost/ci-gen-base:bookworm"
CONTAINERS_CONF = REPO / "generator" / "data" / "podman" / "containers.conf"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Both legs of the test matrix (3.11 and 3.12) run: the 3.12 leg measured 40-46 s here (venv, pip install
# --require-hashes from the warm cache, the example's 83 tests), under the 60 s we allow it.
MATRIX: tuple[tuple[str, str], ...] = ()


def containers_wanted() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("CI_GEN_TEST_CONTAINERS") == "1"


def require_podman() -> None:
    """Fail (never skip) when the container tests are wanted and their tools are missing."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed; run scripts/ci-setup-podman.sh")
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    found = subprocess.run(["podman", "image", "exists", BASE_IMAGE], env=env, check=False, timeout=60)
    if found.returncode != 0:
        pytest.fail(f"the base image {BASE_IMAGE} is missing; run scripts/ci-setup-podman.sh")


@dataclass(frozen=True)
class ExampleRehearsal:
    result: RehearsalResult
    workdir: Path
    seconds: float
    containers: bool


@pytest.fixture(scope="session")
def example_rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExampleRehearsal]:
    """Rehearse the example (with --workdir, so tests can read its artifacts and logs)."""
    containers = containers_wanted()
    if containers:
        require_podman()
    workdir = tmp_path_factory.mktemp("example") / "rehearsal"
    request = RehearsalRequest(
        location=Location.find(EXAMPLE, None),
        jobs=("build",) if containers else ("test", "model"),
        matrix=MATRIX,
        workdir=workdir,
        build_args=(f"BASE_IMAGE={BASE_IMAGE}", *((f"PIP_CERT={CA_BUNDLE}",) if CA_BUNDLE.is_file() else ())),
        build_volumes=("/etc/ssl/certs:/etc/ssl/certs:ro",) if CA_BUNDLE.is_file() else (),
        container_runtime="podman" if containers else None,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONTAINERS_CONF", str(CONTAINERS_CONF))
        started = time.monotonic()
        result = rehearse(request)
        yield ExampleRehearsal(result, workdir, time.monotonic() - started, containers)
