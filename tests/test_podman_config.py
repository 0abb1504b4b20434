"""ci-gen's podman configuration ships with the package and is used unless the user chose their own."""

from __future__ import annotations

from pathlib import Path

from generator.podman import CONTAINERS_CONF, containers_conf, podman_env


def test_the_shipped_configuration_is_a_file_of_the_package() -> None:
    path = Path(containers_conf())
    assert path.is_file() and "generator" in path.parts
    assert 'pull_policy = "never"' in path.read_text()


def test_it_is_used_unless_the_user_set_containers_conf() -> None:
    assert podman_env({"PATH": "/bin"}) == {"PATH": "/bin", CONTAINERS_CONF: containers_conf()}
    assert podman_env({CONTAINERS_CONF: "/etc/mine.conf"})[CONTAINERS_CONF] == "/etc/mine.conf"
    assert podman_env({CONTAINERS_CONF: ""})[CONTAINERS_CONF] == containers_conf()
