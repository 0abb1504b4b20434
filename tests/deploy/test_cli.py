"""The deploy commands from the command line: bad input is one clear message and exit 2 (or 3 for a
missing tool), with nothing started; status, rollback and shadow-replay work end to end."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.deploy.conftest import write_project
from tests.deploy.helpers import state, users

BASIC = """\
- name: prod
  strategy: basic
  basic: {verify: 2s}
  gates: {min-requests: 5}
"""
# Gates for replaying 10 requests: agreement only (a p99 ratio of 10 requests is noise).
REPLAY = """\
- name: replay
  strategy: shadow
  gates: {min-requests: 5, error-rate: "<= 0.01", latency-p99-vs-stable: null, agreement: ">= 0.95"}
"""
DIGEST = "sha256:" + "0" * 64


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_unknown_stage_suggests_the_closest(tmp_path):
    project = write_project(tmp_path / "p", BASIC)
    result = invoke("deploy", "-C", str(project.root), "--stage", "prd", "--artifact", "x")
    assert result.exit_code == 2
    assert "no stage 'prd' in the spec; stages: prod" in result.output
    assert "did you mean 'prod'?" in result.output


@pytest.mark.parametrize(
    ("image", "message"),
    [("ghcr.io/acme/iris@sha256:123", "malformed digest"), ("@", "image reference is empty")],
)
def test_malformed_image_from_the_generated_workflow_is_exit_2(tmp_path, image, message):
    project = write_project(tmp_path / "p", BASIC, runtime="podman")
    result = invoke("deploy", "-C", str(project.root), "--stage", "prod", "--image", image)
    assert result.exit_code == 2 and message in result.output
    assert not (project.root / ".ci-gen-state").exists()


def test_an_image_with_the_process_runtime_is_exit_2(tmp_path):
    project = write_project(tmp_path / "p", BASIC)
    result = invoke("deploy", "-C", str(project.root), "--stage", "prod", "--image", f"ghcr.io/a/b@{DIGEST}")
    assert result.exit_code == 2 and "--image needs a container runtime" in result.output


def test_a_spec_without_deploy_is_exit_2(tmp_path):
    project = write_project(tmp_path / "p", BASIC)
    spec = project.root / "ci-gen.yaml"
    spec.write_text(spec.read_text().split("deploy:")[0])
    result = invoke("deploy", "-C", str(project.root), "--stage", "prod", "--artifact", "x")
    assert result.exit_code == 2 and "has no deploy section" in result.output


def test_the_kubernetes_target_without_its_settings_is_exit_2(tmp_path):
    project = write_project(tmp_path / "p", BASIC)
    spec = project.root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("target: local", "target: kubernetes"))
    result = invoke("deploy", "-C", str(project.root), "--stage", "prod", "--image", f"ghcr.io/a/b@{DIGEST}")
    assert result.exit_code == 2 and "kubernetes" in result.output
    assert not (project.root / ".ci-gen-state").exists()


def test_a_missing_artifact_is_exit_2(tmp_path):
    project = write_project(tmp_path / "p", BASIC)
    result = invoke("deploy", "-C", str(project.root), "--stage", "prod", "--artifact", "models/nope.json")
    assert result.exit_code == 2 and "artifact 'models/nope.json' does not exist" in result.output.replace(
        str(project.root) + "/", ""
    )


@pytest.mark.parametrize(("runtime", "tool"), [("process", "nginx"), ("podman", "podman")])
def test_a_missing_tool_is_exit_3_and_nothing_starts(tmp_path, monkeypatch, runtime, tool):
    project = write_project(tmp_path / "p", BASIC, runtime=runtime)
    project.model("v1")
    empty = tmp_path / "bin"
    empty.mkdir()
    if tool == "podman":
        (empty / "nginx").symlink_to("/bin/true")  # nginx "present", podman not
    monkeypatch.setenv("PATH", str(empty))
    release = (
        ["--artifact", "models/v1.json"] if runtime == "process" else ["--image", f"localhost/x@{DIGEST}"]
    )
    result = invoke("deploy", "-C", str(project.root), "--stage", "prod", *release)
    assert result.exit_code == 3, result.output
    assert f"{tool} is not installed" in result.output
    assert state(project).tracks == {} and state(project).router.pid is None


@pytest.mark.slow
def test_basic_status_rollback_and_shadow_replay_from_the_command_line(make_project, monkeypatch, tmp_path):
    project = make_project(BASIC + REPLAY)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    root = str(project.root)
    first = invoke(
        "deploy", "-C", root, "--stage", "prod", "--artifact", project.model("v1"), "--version", "v1"
    )
    assert first.exit_code == 0 and "prod: installed v1" in first.output

    load = users(project)
    second = invoke(
        "deploy",
        "-C",
        root,
        "--stage",
        "prod",
        "--artifact",
        project.model("v2"),
        "--version",
        "v2",
        "--json",
    )
    load.stop()
    assert second.exit_code == 0, second.output
    report = json.loads(second.output[second.output.index("{\n") :])
    assert (report["outcome"], report["steps"][0]["step"]) == ("promoted", "verify")
    assert "## ✅ Deploy `prod` (basic): promoted" in summary.read_text()

    status = invoke("status", "-C", root)
    assert "prod (stages: prod): stable v2, router up" in status.output
    assert json.loads(invoke("status", "-C", root, "--json").output)[0]["tracks"]["stable"]["version"] == "v2"

    back = invoke("rollback", "-C", root, "--stage", "prod")
    assert back.exit_code == 0 and "all traffic on stable v2" in back.output

    stable = project.model("a", label="setosa")
    same = ["--requests", "requests.jsonl", "--stage", "replay", "--stable", stable]
    (project.root / "requests.jsonl").write_text("{}\n" * 10)
    agree = invoke("shadow-replay", "-C", root, *same, "--candidate", project.model("b", label="setosa"))
    assert agree.exit_code == 0 and "agreement 100.0% of 10" in agree.output, agree.output
    differ = invoke("shadow-replay", "-C", root, *same, "--candidate", project.model("c", label="virginica"))
    assert differ.exit_code == 1 and "agreement 0.000 is not >= 0.95" in differ.output, differ.output


def test_shadow_replay_needs_urls_or_releases(tmp_path):
    (tmp_path / "r.jsonl").write_text("{}\n")
    result = invoke("shadow-replay", "-C", str(tmp_path), "--requests", "r.jsonl", "--stable-url", "http://x")
    assert result.exit_code == 2 and "give either --stable-url and --candidate-url" in result.output
    remote = invoke(
        "shadow-replay",
        "-C",
        str(tmp_path),
        "--requests",
        "r.jsonl",
        "--stable-url",
        "http://example.com:80/p",
        "--candidate-url",
        "http://127.0.0.1:1/p",
    )
    assert remote.exit_code == 2 and "not an http URL on 127.0.0.1" in remote.output
