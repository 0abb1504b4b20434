"""For `ci-gen status`: the model version behind each stage's alias, with its metrics."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from generator.errors import CiGenError
from generator.project import Loaded
from generator.tracking import registry
from generator.tracking.store import open_client, resolve_store


def stage_models(
    loaded: Loaded, stages: list[str], env: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """{stage: {model, version, metrics, image} or None}, or {"error": why} when the registry cannot be
    read; None when the spec does not track models."""
    tracking = loaded.spec.model.tracking if loaded.spec.model else None
    if tracking is None or not tracking.registry:
        return None
    store = resolve_store(loaded.location.root, tracking, os.environ if env is None else env)
    if store.folder is not None and not (store.folder / "mlflow.db").is_file():
        return {"error": f"no tracking store at {store.folder} yet (set MLFLOW_TRACKING_URI for a server)"}
    name = registry.model_name(loaded.spec)
    try:
        client = open_client(store)
        served = {stage: registry.serving(client, name, stage) for stage in stages}
    except CiGenError as exc:
        return {"error": exc.message}
    except Exception as exc:  # MLflow's own errors (server down, refused): status still shows the rest
        return {"error": f"{store.describe()}: {exc}"}
    return {stage: _entry(name, model) for stage, model in served.items()}


def _entry(name: str, model: registry.StageModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "model": name,
        "version": model.version,
        "run_id": model.run_id,
        "metrics": model.metrics,
        "image": model.tags.get(registry.IMAGE),
    }
