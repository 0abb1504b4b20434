"""Local equivalents of actions, each on its own: inputs checked, notes honest, build args in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import RehearseError, UsageError
from generator.rehearse.actions import ActionCall, local_action
from generator.rehearse.containers import Runtime


class Site:
    """The part of a job an action sees, in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.source, self.workspace, self.temp = root / "source", root / "workspace", root / "temp"
        self.tools, self.artifacts, self.cache = root / "tools", root / "artifacts", root / "cache"
        for folder in (self.source, self.workspace, self.temp):
            folder.mkdir(parents=True)
        self.build_args: tuple[str, ...] = ()
        self.build_volumes: tuple[str, ...] = ()

    def runtime(self, where: str) -> Runtime:
        raise AssertionError("not used here")

    def run(self, argv: list[str], log: Path) -> int:
        raise AssertionError("not used here")


def call(name: str, inputs: dict[str, str], site: Site) -> ActionCall:
    return ActionCall(name, inputs, "ci.yml:7", site, site.temp / "log")


def run_action(name: str, inputs: dict[str, str], site: Site):
    return local_action(name, inputs, "ci.yml:7").run(call(name, inputs, site))


def test_unknown_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(
        RehearseError, match=r"ci\.yml:7: input 'sparse-checkout' of actions/checkout is not supported"
    ):
        local_action("actions/checkout", {"sparse-checkout": "x"}, "ci.yml:7")


def test_upload_and_download_through_the_artifact_folder(tmp_path: Path) -> None:
    site = Site(tmp_path)
    (site.temp / "model.tar.gz").write_bytes(b"model")
    uploaded = run_action(
        "actions/upload-artifact", {"name": "model", "path": f"{site.temp}/model.tar.gz"}, site
    )
    assert uploaded.ok
    download = run_action("actions/download-artifact", {"name": "model", "path": "got"}, site)
    assert download.ok
    assert (site.workspace / "got" / "model.tar.gz").read_bytes() == b"model"


def test_upload_of_nothing_follows_if_no_files_found(tmp_path: Path) -> None:
    site = Site(tmp_path)
    assert not run_action(
        "actions/upload-artifact", {"name": "a", "path": "none", "if-no-files-found": "error"}, site
    ).ok
    assert run_action("actions/upload-artifact", {"name": "a", "path": "none"}, site).notes


def test_download_of_an_artifact_never_uploaded_says_which_job_to_add(tmp_path: Path) -> None:
    with pytest.raises(RehearseError, match="artifact 'model' was not uploaded earlier in this rehearsal"):
        run_action("actions/download-artifact", {"name": "model"}, Site(tmp_path))


def test_login_and_cloud_credentials_are_skipped_with_a_note(tmp_path: Path) -> None:
    site = Site(tmp_path)
    login = run_action("docker/login-action", {"registry": "ghcr.io", "username": "u", "password": ""}, site)
    assert login.notes == ["skipped: no registry login in a rehearsal (ghcr.io); nothing is pushed"]
    aws = run_action(
        "aws-actions/configure-aws-credentials",
        {"role-to-assume": "arn:aws:iam::1:role/x", "aws-region": "eu-west-1"},
        site,
    )
    assert aws.env == {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
    assert "is not assumed" in aws.notes[0]


def test_build_argv_keeps_the_spec_args_first_so_the_command_line_wins() -> None:
    podman = Runtime("podman", "/usr/bin/podman")
    argv = podman.build_argv(
        "/w", "/w/Dockerfile", ["PYTHON_VERSION=3.11", "BASE_IMAGE=local"], ["t:1"], ("/a:/a:ro",)
    )
    assert argv == [
        "/usr/bin/podman",
        "build",
        "--file",
        "/w/Dockerfile",
        "--format",
        "docker",
        "--network",
        "host",
        "--volume=/a:/a:ro",
        "--build-arg=PYTHON_VERSION=3.11",
        "--build-arg=BASE_IMAGE=local",
        "--tag=t:1",
        "/w",
    ]
    with pytest.raises(UsageError, match="--build-volume works with podman only"):
        Runtime("docker", "/usr/bin/docker").build_argv("/w", "/w/Dockerfile", [], [], ("/a:/a",))
