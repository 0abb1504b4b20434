"""`ci-gen status` shows the model version and metrics behind each stage's alias."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from generator.cli.status import _model_lines
from generator.location import Location
from generator.project import load
from generator.tracking import registry
from generator.tracking.status import stage_models
from generator.tracking.store import Store, open_client


def _project(root: Path, name: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.in").write_text("flask\n")
    (root / "Dockerfile").write_text("FROM scratch\n")
    spec = {
        "version": 1,
        "project": "status-test",
        "python": "3.11",
        "model": {
            "train": "true",
            "metrics": "m.json",
            "artifacts": ["m.json"],
            "tracking": {"model-name": name},
        },
        "container": {},
        "deploy": {
            "stages": [{"name": "staging", "strategy": "basic"}, {"name": "production", "strategy": "canary"}]
        },
    }
    (root / "ci-gen.yaml").write_text(yaml.safe_dump(spec))
    return root


@pytest.mark.slow
def test_each_stage_shows_its_version_and_metrics(mlflow_server, tmp_path):
    name = f"status-{uuid.uuid4().hex[:8]}"
    loaded = load(Location.find(_project(tmp_path / "p", name), None))
    client = open_client(Store(mlflow_server.uri))
    run = client.create_run(client.create_experiment(name)).info.run_id
    client.log_metric(run, "accuracy", 0.9667)
    registry.promote(client, name, "staging", registry.register(client, name, run, {}))

    models = stage_models(loaded, ["staging", "production"], {"MLFLOW_TRACKING_URI": mlflow_server.uri})
    assert models["production"] is None
    assert (models["staging"]["version"], models["staging"]["metrics"]) == ("1", {"accuracy": 0.9667})
    assert _model_lines(models) == [
        f"  model (staging): {name} version 1; accuracy 0.9667",
        "  model (production): no version has the alias 'production' yet",
    ]


def test_without_a_store_status_says_where_it_looked(tmp_path):
    loaded = load(Location.find(_project(tmp_path / "p", "m"), None))
    models = stage_models(loaded, ["staging"], {})
    assert models is not None and "no tracking store at" in models["error"]
    assert _model_lines(models)[0].startswith("  model registry: no tracking store at")
