"""The champion from a real `mlflow server`: the version behind the stage's alias, its run's metrics for
the gates and its logged model files for the replay."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.tracking import registry
from generator.tracking.store import Store, open_client
from tests.deploy.conftest import Project
from tests.model.test_command import make, train

pytestmark = pytest.mark.slow


def with_tracking(project: Project, name: str) -> None:
    spec = project.root / "ci-gen.yaml"
    text = spec.read_text().replace("model:\n", f"model:\n  tracking: {{model-name: {name}}}\n", 1)
    spec.write_text(text)


def register_champion(uri: str, name: str, scratch: Path, label: str, **metrics: float) -> str:
    """What `ci-gen track` and a promoting deploy leave: a run with metrics and model/ files, aliased."""
    client = open_client(Store(uri))
    run = client.create_run(client.create_experiment(f"champion-{uuid.uuid4().hex[:8]}")).info.run_id
    for key, value in metrics.items():
        client.log_metric(run, key, value)
    model = scratch / "model.json"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_text(json.dumps({"label": label}))
    client.log_artifact(run, str(model), "model/out")
    client.set_terminated(run)
    version = registry.register(client, name, run, {})
    registry.promote(client, name, "prod", version)
    return version


def report(project: Project, monkeypatch: pytest.MonkeyPatch, uri: str) -> tuple[int, dict[str, object]]:
    from generator.cli.app import cli

    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    out = project.root / "report"
    args = ["model-report", "-C", str(project.root), "--out", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, json.loads((out / "report.json").read_text())


def test_the_registry_alias_names_the_champion(mlflow_server, tmp_path: Path, monkeypatch) -> None:
    name = f"champ-{uuid.uuid4().hex[:8]}"
    project = make(tmp_path / "project")
    with_tracking(project, name)
    train(project, "setosa", accuracy=0.9, latency_ms=10.0)
    code, data = report(project, monkeypatch, mlflow_server.uri)
    assert code == 0 and data["champion"] is None
    assert f"no version of {name} has the alias 'prod'" in str(data["champion_note"])

    version = register_champion(
        mlflow_server.uri, name, tmp_path / "c1", "setosa", accuracy=0.95, latency_ms=20.0
    )
    train(project, "setosa", accuracy=0.945, latency_ms=21.0)  # within both champion-relative gates
    code, data = report(project, monkeypatch, mlflow_server.uri)
    assert code == 0, data
    champion = data["champion"]
    assert isinstance(champion, dict) and champion["version"] == f"v{version}"
    assert champion["metrics"] == {"accuracy": 0.95, "latency_ms": 20.0}
    assert data["replay"]["agreement"] == 1.0  # type: ignore[index]

    train(project, "virginica", accuracy=0.93, latency_ms=25.0)  # worse, and it disagrees
    code, data = report(project, monkeypatch, mlflow_server.uri)
    assert code == 1
    verdicts = {m["metric"]: [g["verdict"] for g in m["gates"]] for m in data["metrics"]}  # type: ignore[attr-defined]
    assert verdicts == {"accuracy": ["pass", "fail"], "latency_ms": ["fail"]}
    assert data["replay"]["agreement"] == 0.0  # type: ignore[index]
