"""The champion from the MLflow model registry: the version behind the stage's alias (which the deploy
stages move as they promote), its run's metrics, and for the replay its logged model files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from generator.model.bundle import BUNDLE, pack
from generator.model.gates import Champion
from generator.model.lookup import Found, Lookup

if TYPE_CHECKING:
    from mlflow import MlflowClient

URI_VARIABLE = "MLFLOW_TRACKING_URI"
# The run's artifact folder a registered version points at (`ci-gen track` logs the model job's artifacts
# there, their paths kept).
MODEL_FOLDER = "model"


def registry_available(lookup: Lookup) -> bool:
    """Tracking is on and reaches a registry: a server (MLFLOW_TRACKING_URI), or an embedded store that
    exists (a secret a fork's run cannot read is empty: then the next source answers)."""
    spec = lookup.spec
    if spec is None or spec.model is None or spec.model.tracking is None:
        return False
    if lookup.env.get(URI_VARIABLE, "").strip():
        return True
    return (lookup.root / spec.model.tracking.store / "mlflow.db").is_file()


def find_in_registry(lookup: Lookup) -> Found:
    from generator.tracking import registry
    from generator.tracking.store import open_client, resolve_store, tracking_of

    assert lookup.spec is not None
    store = resolve_store(lookup.root, tracking_of(lookup.spec), lookup.env)
    client = open_client(store)
    name = registry.model_name(lookup.spec)
    served = registry.serving(client, name, lookup.stage)
    where = f"the model registry ({store.describe()})"
    if served is None:
        return Found(None, None, f"no version of {name} has the alias '{lookup.stage}' in {where}")
    source = f"{name} version {served.version} in {where}"
    champion = Champion(lookup.stage, f"v{served.version}", served.metrics, source)
    bundle = _bundle(client, served.run_id, lookup) if lookup.want_bundle and served.run_id else None
    return Found(champion, bundle, source)


def _bundle(client: MlflowClient, run_id: str, lookup: Lookup) -> Path:
    """The version's logged model folder (the model job's artifacts, paths kept) as a bundle."""
    folder = lookup.work / "registry"
    folder.mkdir(parents=True, exist_ok=True)
    downloaded = Path(client.download_artifacts(run_id, MODEL_FOLDER, str(folder)))
    files = tuple(sorted(p.relative_to(downloaded).as_posix() for p in downloaded.rglob("*") if p.is_file()))
    bundle = lookup.work / BUNDLE
    pack(downloaded, files, bundle)
    return bundle
