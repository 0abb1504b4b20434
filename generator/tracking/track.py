"""`ci-gen track` as functions: log the model job's run (parameters, metrics, artifacts, lineage tags) to
MLflow and, on the deploy branch, register it as a new model version (the deploy stages then tag it with
their image and move their aliases). The training code never imports MLflow: this reads its files."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator.errors import UsageError
from generator.location import Location
from generator.markdown import add_to_job_summary
from generator.project import Loaded, load
from generator.tracking import registry
from generator.tracking.lineage import lineage
from generator.tracking.store import Store, open_client, reaching, resolve_store, tracking_of

if TYPE_CHECKING:
    from mlflow import MlflowClient

MODEL_FOLDER = "model"  # the run's artifact folder that a registered version points at
_PARAM_LIMIT = 6000  # MLflow's longest parameter value


@dataclass(frozen=True)
class Tracked:
    """What `ci-gen track` logged, and where."""

    store: Store
    experiment: str
    run_id: str
    metrics: dict[str, float]
    params: dict[str, str]
    artifacts: tuple[str, ...]
    tags: dict[str, str]
    version: str | None = None  # the registered version, when registered
    skipped: list[str] = field(default_factory=list)  # metrics that are not numbers


def track(location: Location, *, register: bool, env: Mapping[str, str] | None = None) -> Tracked:
    """Log this checkout's trained model as one run; with `register` (and `registry: true`), register it."""
    env = os.environ if env is None else env
    loaded = load(location)
    tracking = tracking_of(loaded.spec)
    root = location.root
    metrics, skipped = read_metrics(root, loaded)
    params = read_params(root, tracking.params) if tracking.params else {}
    tags = lineage(loaded, env)
    store = resolve_store(root, tracking, env)
    client = open_client(store, create=True)
    experiment = tracking.experiment or loaded.spec.project
    version = None
    with reaching(store):
        run_id = _log(client, _experiment_id(client, experiment, store), metrics, params, tags)
        artifacts = _log_artifacts(client, run_id, root, loaded)
        if register and tracking.registry:
            version = registry.register(client, registry.model_name(loaded.spec), run_id, _version_tags(tags))
    return Tracked(store, experiment, run_id, metrics, params, artifacts, tags, version, skipped)


def write_summary(tracked: Tracked) -> str:
    """The run's Markdown, appended to the job summary when there is one; returns it."""
    from generator.tracking.report import markdown

    text = markdown(tracked)
    add_to_job_summary(text)
    return text


def read_metrics(root: Path, loaded: Loaded) -> tuple[dict[str, float], list[str]]:
    """Every number of the metrics file (a flat JSON object); names of other values come back as skipped."""
    assert loaded.spec.model is not None  # tracking_of() made sure
    path = root / loaded.spec.model.metrics
    data = _read(path, "the metrics file", json.loads)
    numbers = {k: float(v) for k, v in data.items() if _number(v)}
    return numbers, sorted(set(data) - set(numbers))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_params(root: Path, name: str) -> dict[str, str]:
    """The parameters file (JSON or YAML, a mapping); nested mappings become dotted names
    (`training.seed`), lists and other values JSON text."""
    loader = json.loads if name.endswith(".json") else yaml.safe_load
    data = _read(root / name, "the params file (model.tracking.params)", loader)
    return {key: value[:_PARAM_LIMIT] for key, value in _flatten(data, "")}


def _flatten(data: dict[Any, Any], prefix: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs += _flatten(value, name + ".")
        else:
            pairs.append((name, value if isinstance(value, str) else json.dumps(value, sort_keys=True)))
    return pairs


def _read(path: Path, what: str, parse: Any) -> dict[str, Any]:
    if not path.is_file():
        raise UsageError(f"{what} {path} does not exist", hint="did the training or evaluate step write it?")
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(f"{what} {path} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} {path} must hold a mapping of name: value, not {type(data).__name__}")
    return data


def _experiment_id(client: MlflowClient, name: str, store: Store) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    return str(client.create_experiment(name, artifact_location=store.artifacts))


def _log(
    client: MlflowClient,
    experiment: str,
    metrics: dict[str, float],
    params: dict[str, str],
    tags: dict[str, str],
) -> str:
    from mlflow.entities import Metric, Param

    run = client.create_run(experiment, tags=tags)
    run_id = str(run.info.run_id)
    stamp = int(run.info.start_time)
    client.log_batch(
        run_id,
        metrics=[Metric(k, v, stamp, 0) for k, v in sorted(metrics.items())],
        params=[Param(k, v) for k, v in sorted(params.items())],
    )
    return run_id


def _log_artifacts(client: MlflowClient, run_id: str, root: Path, loaded: Loaded) -> tuple[str, ...]:
    """The model job's artifacts under the run's `model/` folder, keeping their paths; then the run ends."""
    assert loaded.plan.model is not None
    logged = []
    for name in loaded.plan.model.artifacts:
        path = root / name
        folder = "/".join([MODEL_FOLDER, *Path(name).parent.parts])
        if path.is_dir():
            client.log_artifacts(run_id, str(path), f"{folder}/{path.name}")
        elif path.is_file():
            client.log_artifact(run_id, str(path), folder)
        else:
            client.set_terminated(run_id, "FAILED")
            raise UsageError(f"artifact {name} does not exist", hint="did training write it?")
        logged.append(name)
    client.set_terminated(run_id)
    return tuple(logged)


def _version_tags(tags: Mapping[str, str]) -> dict[str, str]:
    kept = (registry.GIT_SHA, registry.ARTIFACT_DIGESTS)
    return {key: tags[key] for key in kept if tags.get(key)}
