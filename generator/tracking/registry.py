"""The model registry as ci-gen uses it: one registered model per project, a version per model run on the
deploy branch, an alias per deploy stage (the stage's name) on the version that stage serves, and tags
that tie versions to commits, images and the history of promotions and rollbacks.

`stage_metrics(root, spec, stage)` is the champion's side of champion/challenger gates.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.spec.model import Spec
from generator.tracking.store import Store, open_client, resolve_store, tracking_of

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

TAG = "ci_gen."
GIT_SHA = TAG + "git_sha"
IMAGE = TAG + "image"
IMAGE_DIGEST = TAG + "image_digest"
ARTIFACT_DIGESTS = TAG + "artifact_digests"
HISTORY = TAG + "history."  # + stage: a registered-model tag, JSON list of the stage's last events
HISTORY_KEPT = 20


@dataclass(frozen=True)
class StageModel:
    """The model version behind a stage's alias, with its run's metrics and the version's tags."""

    stage: str
    version: str
    run_id: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def model_name(spec: Spec) -> str:
    return tracking_of(spec).model_name or spec.project


def stage_metrics(
    root: Path, spec: Spec, stage: str, env: Mapping[str, str] | None = None
) -> dict[str, float] | None:
    """The metrics of the model version that `stage` serves (its alias), or None when no version has that
    alias yet, or when no run was ever logged to the embedded store. MLflow must be installed."""
    store = resolve_store(root, tracking_of(spec), env)
    if store.embedded and not _exists(store):
        return None
    served = serving(open_client(store), model_name(spec), stage)
    return served.metrics if served is not None else None


def _exists(store: Store) -> bool:
    return store.folder is not None and (store.folder / "mlflow.db").is_file()


def serving(client: MlflowClient, name: str, stage: str) -> StageModel | None:
    """The version behind alias `stage` of registered model `name`, or None (no model, no alias)."""
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(name, stage)
    except MlflowException:
        return None
    return _stage_model(client, stage, version)


def _stage_model(client: MlflowClient, stage: str, version: ModelVersion) -> StageModel:
    metrics = dict(client.get_run(version.run_id).data.metrics) if version.run_id else {}
    return StageModel(stage, str(version.version), version.run_id, metrics, dict(version.tags or {}))


def ensure_model(client: MlflowClient, name: str) -> None:
    """Create the registered model unless it exists (several runs race for it harmlessly)."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        try:
            client.create_registered_model(name, tags={TAG + "managed": "true"})
        except MlflowException:
            client.get_registered_model(name)  # created meanwhile by another run; anything else raises


def register(client: MlflowClient, name: str, run_id: str, tags: Mapping[str, str]) -> str:
    """A new version of `name` from the run's logged model folder; returns its version number."""
    ensure_model(client, name)
    version = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id, tags=dict(tags))
    return str(version.version)


def versions(client: MlflowClient, name: str) -> list[ModelVersion]:
    """Every version of `name`, newest first (empty when the model is not registered)."""
    found = client.search_model_versions(f"name = '{name}'")
    return sorted(found, key=lambda v: int(v.version), reverse=True)


def find_version(client: MlflowClient, name: str, digest: str | None, commit: str | None) -> str | None:
    """The version deployed as `digest` (an image's sha256:... or a model file's content digest), else the
    newest version trained from `commit`; None when neither matches."""
    every = versions(client, name)
    for version in every if digest else []:
        tags = version.tags or {}
        if tags.get(IMAGE_DIGEST) == digest or digest in tags.get(ARTIFACT_DIGESTS, "").split():
            return str(version.version)
    for version in every if commit else []:
        if (version.tags or {}).get(GIT_SHA) == commit:
            return str(version.version)
    return None


def tag_image(client: MlflowClient, name: str, version: str, image: str) -> None:
    """Record the image (NAME@sha256:DIGEST) built from this version."""
    client.set_model_version_tag(name, version, IMAGE, image)
    client.set_model_version_tag(name, version, IMAGE_DIGEST, image.rpartition("@")[2])


def promote(client: MlflowClient, name: str, stage: str, version: str) -> str | None:
    """Move alias `stage` to `version`; returns the version it leaves (None if it was new or unchanged)."""
    before = serving(client, name, stage)
    client.set_registered_model_alias(name, stage, version)
    client.set_model_version_tag(name, version, f"{TAG}promoted.{stage}", _now())
    record(client, name, stage, version, "promoted")
    return before.version if before is not None and before.version != version else None


def roll_back(client: MlflowClient, name: str, stage: str, version: str, outcome: str, reason: str) -> None:
    """Record that `version` was rolled back (or refused) in `stage`; the alias stays where it was."""
    client.set_model_version_tag(
        name, version, f"{TAG}rolled_back.{stage}", f"{_now()} {outcome}: {reason}"[:500]
    )
    record(client, name, stage, version, outcome)


def record(client: MlflowClient, name: str, stage: str, version: str, outcome: str) -> None:
    """Append one event to the stage's history (a registered-model tag, the last HISTORY_KEPT events)."""
    events = history(client, name, stage)
    events.append({"version": version, "outcome": outcome, "at": _now()})
    value = json.dumps(events[-HISTORY_KEPT:], separators=(",", ":"))
    client.set_registered_model_tag(name, HISTORY + stage, value)


def history(client: MlflowClient, name: str, stage: str) -> list[dict[str, Any]]:
    """The stage's recorded events, oldest first."""
    tags = client.get_registered_model(name).tags or {}
    try:
        events = json.loads(tags.get(HISTORY + stage, "[]"))
    except json.JSONDecodeError:
        return []
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def stages_serving(store: Store, name: str, stages: Iterable[str]) -> dict[str, StageModel | None]:
    """For `ci-gen status`: each stage's version and metrics (None where the alias is not set)."""
    client = open_client(store)
    return {stage: serving(client, name, stage) for stage in stages}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
