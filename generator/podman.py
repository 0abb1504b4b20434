"""The podman configuration that ships with ci-gen, and the environment ci-gen runs podman with.

podman reads `$CONTAINERS_CONF` when it is set; ci-gen sets it to its own file (package data) for the
podman commands it runs, unless the user set it, so deploys and rehearsals work on a machine without a
podman configuration of its own (no systemd, cgroup v1, nothing to pull from).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.resources import files

CONTAINERS_CONF = "CONTAINERS_CONF"


def containers_conf() -> str:
    """The path of ci-gen's podman configuration (a regular install unpacks package data to files)."""
    return str(files("generator") / "data" / "podman" / "containers.conf")


def podman_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) with CONTAINERS_CONF pointing at ci-gen's file unless already set."""
    result = dict(os.environ if env is None else env)
    if not result.get(CONTAINERS_CONF):
        result[CONTAINERS_CONF] = containers_conf()
    return result
