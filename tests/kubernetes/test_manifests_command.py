"""`ci-gen manifests`: a stage's manifests, checked and written, never applied (no cluster is needed)."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.deploy.targets.kubernetes.manifests import check_route
from tests.kubernetes.conftest import DIGEST_A, DIGEST_B, write_project


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "manifests", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_stream_on_stdout_that_validates(tmp_path: Path) -> None:
    project = write_project(tmp_path, "http://127.0.0.1:9090")
    code, out, _ = invoke(project.root, "--stage", "production", "--image", DIGEST_A)
    assert code == 0
    documents = list(yaml.safe_load_all(out))
    assert [(d["kind"], d["metadata"]["name"]) for d in documents] == [
        ("Service", "iris-production-stable"),
        ("Deployment", "iris-production-stable"),
        ("HTTPRoute", "iris-production"),
    ]
    for document in documents[:2]:
        assert kubernetes_validate.validate(document, "1.29.0", strict=True)
    check_route(documents[2])


def test_a_canary_step_into_a_folder(tmp_path: Path) -> None:
    project = write_project(tmp_path / "repo", "http://127.0.0.1:9090")
    out = tmp_path / "gitops"
    code, stdout, stderr = invoke(
        project.root,
        "--stage",
        "production",
        "--image",
        DIGEST_A,
        "--candidate",
        DIGEST_B,
        "--weight",
        "25",
        "--out",
        str(out),
    )
    assert code == 0 and stdout == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "iris-production-candidate.deployment.yaml",
        "iris-production-candidate.service.yaml",
        "iris-production-stable.deployment.yaml",
        "iris-production-stable.service.yaml",
        "iris-production.httproute.yaml",
    ]
    route = yaml.safe_load((out / "iris-production.httproute.yaml").read_text())
    assert [b["weight"] for b in route["spec"]["rules"][0]["backendRefs"]] == [75, 25]
    assert "wrote" in stderr


def test_bad_input_is_exit_2(tmp_path: Path) -> None:
    project = write_project(tmp_path, "http://127.0.0.1:9090")
    code, _, err = invoke(project.root, "--stage", "production", "--image", DIGEST_A, "--weight", "10")
    assert code == 2 and "--candidate" in err
    code, _, err = invoke(project.root, "--stage", "producton", "--image", DIGEST_A)
    assert code == 2 and "did you mean 'production'" in err
    code, _, err = invoke(project.root, "--stage", "production", "--image", "ghcr.io/acme/iris")
    assert code == 2 and "no tag or digest" in err
