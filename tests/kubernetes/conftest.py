"""Fixtures for the kubernetes target: the API double, the Prometheus double, a kubeconfig for the real
client, the data-plane double, and projects in tmp_path whose spec deploys to the double."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.location import Location
from tests.kubernetes.apiserver import ApiServer
from tests.kubernetes.dataplane import DataPlane
from tests.kubernetes.prometheus import PrometheusDouble, PrometheusServer
from tests.kubernetes.store import Store

NAMESPACE = "ml"
DIGEST_A = "ghcr.io/acme/iris@sha256:" + "a" * 64
DIGEST_B = "ghcr.io/acme/iris@sha256:" + "b" * 64
DIGEST_C = "ghcr.io/acme/iris@sha256:" + "c" * 64


@pytest.fixture
def api() -> Iterator[ApiServer]:
    server = ApiServer(Store()).start()
    yield server
    server.stop()


@pytest.fixture
def prometheus() -> Iterator[PrometheusServer]:
    server = PrometheusServer(PrometheusDouble()).start()
    yield server
    server.stop()


@pytest.fixture
def kubeconfig(api: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "kubeconfig.yaml"
    path.write_text(api.kubeconfig(NAMESPACE))
    monkeypatch.setenv("KUBECONFIG", str(path))
    return path


SPEC = """\
version: 1
project: iris
python: "3.11"
container: {{port: 8000}}
deploy:
  target: kubernetes
  kubernetes:
    namespace: {namespace}
    gateway: infra/public
    hostnames: [iris.example.com]
    replicas: 2
{extra}
  stages:
    - name: staging
      strategy: basic
      basic: {{verify: 20s}}
      gates: {{min-requests: 20, latency-p99-vs-stable: null}}
    - name: shadow
      strategy: shadow
      shadow: {{duration: 20s, mirror-percent: 100}}
      gates: {{min-requests: 20, agreement: ">= 0.9", latency-p99-vs-stable: "<= 3"}}
    - name: production
      strategy: canary
      canary: {{steps: [20, 50], interval: 20s}}
      gates: {{min-requests: 20, agreement: ">= 0.9", error-rate: "<= 0.05"}}
"""


@dataclass
class Project:
    location: Location
    root: Path


def write_project(root: Path, prometheus: str, extra: str = "") -> Project:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.in").write_text("flask\n")
    (root / "Dockerfile").write_text("FROM python:3.11-slim\n")
    lines = [
        f"    prometheus-url: {prometheus}",
        *(f"    {line}" for line in textwrap.dedent(extra).splitlines()),
    ]
    (root / "ci-gen.yaml").write_text(SPEC.format(namespace=NAMESPACE, extra="\n".join(lines)))
    return Project(Location.find(root, None), root)


@pytest.fixture
def project(tmp_path: Path, prometheus: PrometheusServer, kubeconfig: Path) -> Project:
    return write_project(tmp_path / "repo", prometheus.url)


@pytest.fixture
def traffic(api: ApiServer, prometheus: PrometheusServer) -> Iterator[dict[str, DataPlane]]:
    """One data plane per environment route, started by the test with `.start()`."""
    planes = {
        env: DataPlane(api.store, prometheus.double, NAMESPACE, f"iris-{env}")
        for env in ("staging", "shadow", "production")
    }
    yield planes
    for plane in planes.values():
        plane.stop()
