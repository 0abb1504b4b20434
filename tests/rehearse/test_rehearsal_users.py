"""What a rehearsal adds to a deploy step, which has no users to judge it on: the sample request as
synthetic traffic (unless the spec or step has traffic of its own) and windows that end at min-requests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.rehearse.deployments import Deployment, without_users

SPEC = """\
version: 1
project: tiny
python: "3.11"
container: {port: 5000, sample-request: sample.json}
deploy:
  target: local
  local: {runtime: podman, traffic-rate: 7LOCAL}
  stages:
    - {name: prod, strategy: canary, gates: {min-requests: 30}}
"""


KUBERNETES = """\
  target: kubernetes
  kubernetes: {namespace: tiny, gateway: infra/public, prometheus-service: mon/prometheus:9090}
"""


def project(root: Path, local: str = "", kubernetes: bool = False) -> Path:
    root.mkdir()
    (root / "requirements.in").write_text("")
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "sample.json").write_text('{\n  "features": [[1, 2]]\n}\n')
    spec = SPEC.replace("LOCAL", local)
    if kubernetes:
        spec = spec.replace(spec[spec.index("  target") : spec.index("  stages")], KUBERNETES)
    (root / "ci-gen.yaml").write_text(spec)
    return root


def extras(root: Path, args: str = "--stage prod --image x@sha256:1") -> tuple[list[str], list[str]]:
    deployment = Deployment.of("deploy", args, root, "ci-gen.yaml")
    assert deployment is not None
    return without_users(deployment, args.split(), root)


def test_the_sample_request_becomes_the_users_and_windows_end_at_min_requests(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    extra, notes = extras(root)
    users = root / "rehearsal-users-prod.jsonl"
    assert extra == ["--traffic", str(users), "--until-requests", "30"]
    assert [json.loads(line) for line in users.read_text().splitlines()] == [{"features": [[1, 2]]}]
    assert "sample request (sample.json) is sent as synthetic traffic, 7/s" in notes[0]
    assert "ends once the candidate has seen 30 requests" in notes[1]


@pytest.mark.parametrize(
    ("local", "args"),
    [(", traffic: users.jsonl", "--stage prod --image x@sha256:1"), ("", "--stage prod --traffic u.jsonl")],
)
def test_traffic_of_its_own_is_kept(tmp_path: Path, local: str, args: str) -> None:
    extra, _ = extras(project(tmp_path / "p", local=local), args)
    assert extra == ["--until-requests", "30"]


def test_a_kubernetes_stage_gets_nothing(tmp_path: Path) -> None:
    assert extras(project(tmp_path / "p", kubernetes=True)) == ([], [])
