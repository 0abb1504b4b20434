"""The model registry's deploy hook: each stage tags the model version it deploys with the image, moves
the alias named after the stage when it promotes, and records rollbacks on the version and in the
stage's history."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.deploy.hooks import StageEnd
from generator.deploy.release import Release, content_digest
from generator.project import Loaded
from generator.tracking import registry
from generator.tracking.lineage import commit
from generator.tracking.store import Store, open_client, reaching, resolve_store

if TYPE_CHECKING:
    from mlflow import MlflowClient


@dataclass(frozen=True)
class RegistryHook:
    """Records a stage's end on the model version behind the release (found by digest, else commit)."""

    store: Store
    model: str
    commit: str | None
    name: str = "model registry"

    def promoted(self, end: StageEnd) -> list[str]:
        with _client(self.store) as client:
            version, lines = self._version(client, end)
            if version is None:
                return lines
            current = registry.serving(client, self.model, end.stage)
            if current is not None and current.version == version:
                return [*lines, f"{self.name}: alias '{end.stage}' is already on version {version}"]
            left = registry.promote(client, self.model, end.stage, version)
            was = f" (was version {left})" if left else ""
            return [*lines, f"{self.name}: alias '{end.stage}' -> {self.model} version {version}{was}"]

    def rolled_back(self, end: StageEnd) -> list[str]:
        with _client(self.store) as client:
            version, lines = self._version(client, end)
            if version is None:
                return lines
            registry.roll_back(client, self.model, end.stage, version, end.outcome, end.reason)
            return [*lines, f"{self.name}: version {version} recorded as {end.outcome} in '{end.stage}'"]

    def _version(self, client: MlflowClient, end: StageEnd) -> tuple[str | None, list[str]]:
        digest = release_digest(end.release)
        version = registry.find_version(client, self.model, digest, self.commit)
        if version is None:
            where = f"commit {self.commit}" if self.commit else "no commit"
            return None, [
                f"{self.name}: no version of '{self.model}' matches {digest} or {where}; nothing recorded"
            ]
        image = end.release.image
        if (
            image
            and "@" in image
            and (client.get_model_version(self.model, version).tags or {}).get(registry.IMAGE_DIGEST)
            != digest
        ):
            registry.tag_image(client, self.model, version, image)
            return version, [f"{self.name}: version {version} tagged with image {image}"]
        return version, []


def release_digest(release: Release) -> str:
    """An image's sha256:... digest, or the content digest of a model file, as the model job recorded it."""
    if release.image and "@" in release.image:
        return release.image.rpartition("@")[2]
    if release.artifact:
        return content_digest(Path(release.artifact))
    return release.version


def registry_hook(loaded: Loaded, env: Mapping[str, str] | None = None) -> RegistryHook | None:
    """The hook when the spec tracks with a registry and there is a registry to reach: a server, or an
    embedded store that a model run already created (a deploy job without either records nothing)."""
    env = os.environ if env is None else env
    tracking = loaded.spec.model.tracking if loaded.spec.model else None
    if tracking is None or not tracking.registry:
        return None
    store = resolve_store(loaded.location.root, tracking, env)
    if store.folder is not None and not (store.folder / "mlflow.db").is_file():
        return None
    return RegistryHook(store, registry.model_name(loaded.spec), commit(loaded.location.root, env))


@contextmanager
def _client(store: Store) -> Iterator[MlflowClient]:
    """A client whose MLflow errors (server down, refused) become DeployErrors the hook reports."""
    client = open_client(store)  # ToolMissingError (reported by notify) when MLflow is not installed
    with reaching(store):
        yield client
