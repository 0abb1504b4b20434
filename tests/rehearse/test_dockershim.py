"""What the rehearsal's `docker` shim tells podman, and what it refuses to fake."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from generator.deploy.ports import free_port
from generator.rehearse import dockershim
from generator.rehearse.dockershim import ShimError, translate


@pytest.fixture
def no_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dockershim, "_has_systemd", lambda: False)


def test_run_joins_the_host_network_instead_of_publishing(no_systemd: None) -> None:
    port = free_port()
    argv = [
        "run",
        "--detach",
        "--name",
        "smoke",
        "--publish",
        f"127.0.0.1:{port}:{port}",
        "img:tag",
        "serve",
        "-p",
        "1",
    ]
    assert translate(argv) == [
        "run",
        "--network=host",
        "--no-healthcheck",
        "--detach",
        "--name=smoke",
        "img:tag",
        "serve",
        "-p",
        "1",
    ]


def test_run_keeps_an_explicit_network_and_healthcheck_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dockershim, "_has_systemd", lambda: True)
    assert translate(["run", "--network=none", "--rm", "img"]) == ["run", "--network=none", "--rm", "img"]


def test_run_refuses_to_remap_a_port() -> None:
    with pytest.raises(ShimError, match="cannot appear as 8080"):
        translate(["run", "-p", "8080:8000", "img"])


def test_run_refuses_a_port_that_something_else_serves() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(ShimError, match=f"port {port} on 127.0.0.1 is already in use"):
            translate(["run", "--publish", f"{port}:{port}", "img"])


def test_build_keeps_healthcheck_and_uses_the_host_network() -> None:
    assert translate(["build", "-t", "x", "."]) == [
        "build",
        "--format=docker",
        "--network=host",
        "-t",
        "x",
        ".",
    ]


def test_other_commands_pass_through() -> None:
    for argv in (["logs", "smoke"], ["rm", "--force", "smoke"], []):
        assert translate(argv) == argv


def test_main_reports_what_it_cannot_translate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert dockershim.main(["run", "-p", "1:2", "img"], runtime=str(tmp_path / "podman")) == 125
    assert "rehearse shim" in capsys.readouterr().err


def test_run_labels_the_container_with_the_rehearsal_job(
    no_systemd: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(dockershim.JOB_VARIABLE, "123-build")
    translated = translate(["run", "--detach", "img"])
    assert f"--label={dockershim.LABEL}=123-build" in translated
