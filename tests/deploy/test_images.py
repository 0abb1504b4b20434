"""The local target's image checks that need no container runtime: digests, registries, credentials."""

from __future__ import annotations

import pytest

from generator.deploy.targets.local.images import check_digest, credentials, registry_of
from generator.errors import DeployError, UsageError

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


def test_the_digest_asked_for_must_be_one_the_image_records() -> None:
    check_digest(f"ghcr.io/acme/iris@{DIGEST}", [f"ghcr.io/acme/iris@{OTHER}", f"mirror.local/iris@{DIGEST}"])
    with pytest.raises(DeployError, match=f"refusing to deploy .*{OTHER[:15]}.*not {DIGEST}"):
        check_digest(f"ghcr.io/acme/iris@{DIGEST}", [f"ghcr.io/acme/iris@{OTHER}"])
    with pytest.raises(DeployError, match="digest\\(s\\) none"):
        check_digest(f"ghcr.io/acme/iris@{DIGEST}", [])


@pytest.mark.parametrize(
    ("reference", "registry"),
    [
        (f"ghcr.io/acme/iris@{DIGEST}", "ghcr.io"),
        (f"127.0.0.1:5000/iris@{DIGEST}", "127.0.0.1:5000"),
        (f"localhost/iris@{DIGEST}", "localhost"),
        (f"acme/iris@{DIGEST}", "docker.io"),
        (f"iris@{DIGEST}", "docker.io"),
    ],
)
def test_the_registry_is_the_host_part_of_the_name(reference: str, registry: str) -> None:
    assert registry_of(reference) == registry


def test_credentials_are_both_or_neither() -> None:
    assert credentials({}) is None
    both = {"CI_GEN_REGISTRY_USERNAME": "bot", "CI_GEN_REGISTRY_PASSWORD": "token"}
    assert credentials(both) == ("bot", "token")
    with pytest.raises(UsageError, match="CI_GEN_REGISTRY_PASSWORD is empty"):
        credentials({"CI_GEN_REGISTRY_USERNAME": "bot"})
