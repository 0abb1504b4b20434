"""The example's model job, rehearsed (`ci-gen rehearse model`) against a real `mlflow server`: the
champion is the version behind the `production` alias. A champion-relative gate that passes and one that
fails; the replay's agreement for a candidate that agrees with the champion and one that does not."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from generator.location import Location
from generator.rehearse import RehearsalRequest, rehearse
from generator.tracking import registry
from generator.tracking.store import Store, open_client
from tests.deploy.conftest import EXAMPLE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy of the example whose spec tracks runs in a registered model of its own."""
    root = tmp_path_factory.mktemp("example") / "example_project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".ci-gen-state", "artifacts", "__pycache__"))
    name = f"iris-{uuid.uuid4().hex[:8]}"
    spec = root / "ci-gen.yaml"
    text = spec.read_text()
    assert "\n  tracking:\n" in text  # the example tracks its runs; this copy names its own model
    spec.write_text(text.replace("\n  tracking:\n", f"\n  tracking:\n    model-name: {name}\n", 1))
    return root, name


def crown(uri: str, name: str, model: Path, **metrics: float) -> None:
    """A registered version (metrics, the model's files under model/) behind the production alias."""
    client = open_client(Store(uri))
    run = client.create_run(client.create_experiment(f"champion-{uuid.uuid4().hex[:8]}")).info.run_id
    for key, value in metrics.items():
        client.log_metric(run, key, value)
    client.log_artifact(run, str(model), "model/artifacts")
    client.set_terminated(run)
    registry.promote(client, name, "production", registry.register(client, name, run, {}))


def rehearse_model(
    root: Path, workdir: Path, uri: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, dict[str, Any]]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    request = RehearsalRequest(
        location=Location.find(root, None),
        jobs=("model",),
        workdir=workdir,
        pass_env=("MLFLOW_TRACKING_URI",),
        secrets=("MLFLOW_TRACKING_URI",),  # the example's uri-secret
    )
    result = rehearse(request)
    # As on GitHub, the uploaded folder's contents are the artifact's root.
    report = json.loads((workdir / "artifacts" / "model-report" / "report.json").read_text())
    return result.job("model"), report


def test_champion_gates_and_replay_through_rehearse(
    example: tuple[Path, str],
    iris_models: dict[str, Path],
    mlflow_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, name = example
    # The example trains f1_macro 0.9778: within 0.02 of a champion at 0.97, not of one at 0.999.
    crown(mlflow_server.uri, name, iris_models["a"], f1_macro=0.97, accuracy=0.97)
    job, report = rehearse_model(root, tmp_path / "agrees", mlflow_server.uri, monkeypatch)
    assert report["passed"] is True, job.summary
    assert report["champion"]["source"].startswith(f"{name} version 1 in the model registry")
    f1 = next(m for m in report["metrics"] if m["metric"] == "f1_macro")
    assert [g["verdict"] for g in f1["gates"]] == ["pass", "pass"]
    assert report["replay"]["agreement"] == 1.0 and report["replay"]["compared"] == 50
    assert "### Model report: passed" in job.summary and "xychart-beta" in job.summary

    crown(mlflow_server.uri, name, iris_models["noisy"], f1_macro=0.999, accuracy=0.97)
    job, report = rehearse_model(root, tmp_path / "disagrees", mlflow_server.uri, monkeypatch)
    assert report["passed"] is False
    assert job.outcome.value == "failure"  # the enforcing step fails the job, after the report's upload
    f1 = next(m for m in report["metrics"] if m["metric"] == "f1_macro")
    assert [g["verdict"] for g in f1["gates"]] == ["pass", "fail"]
    assert report["replay"]["agreement"] < 0.9 and report["replay"]["verdict"] == "fail"
