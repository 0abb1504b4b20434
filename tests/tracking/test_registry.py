"""The registry against a real `mlflow server`: versions, stage aliases, history, champion metrics."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from generator.spec.load import load_spec_text
from generator.tracking import registry
from generator.tracking.store import Store, open_client, resolve_store

pytestmark = pytest.mark.slow


def _spec(name: str, tmp_path: Path):
    text = yaml.safe_dump(
        {
            "version": 1,
            "project": "reg-test",
            "python": "3.11",
            "model": {
                "train": "python train.py",
                "metrics": "metrics.json",
                "artifacts": ["model.pkl"],
                "tracking": {"model-name": name},
            },
        }
    )
    return load_spec_text(text, "ci-gen.yaml")[0]


def _run(client, metrics: dict[str, float]) -> str:
    experiment = client.create_experiment(f"reg-{uuid.uuid4().hex[:8]}")
    run = client.create_run(experiment)
    for key, value in metrics.items():
        client.log_metric(run.info.run_id, key, value)
    client.set_terminated(run.info.run_id)
    return str(run.info.run_id)


def test_stage_metrics_follow_the_alias(mlflow_server, tmp_path):
    name = f"m-{uuid.uuid4().hex[:8]}"
    spec = _spec(name, tmp_path)
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    client = open_client(Store(mlflow_server.uri))
    assert registry.stage_metrics(tmp_path, spec, "production", env) is None  # no model yet

    first = registry.register(client, name, _run(client, {"accuracy": 0.9}), {registry.GIT_SHA: "a" * 40})
    second = registry.register(client, name, _run(client, {"accuracy": 0.95}), {registry.GIT_SHA: "b" * 40})
    assert registry.stage_metrics(tmp_path, spec, "production", env) is None  # no alias yet

    assert registry.promote(client, name, "production", first) is None
    assert registry.stage_metrics(tmp_path, spec, "production", env) == {"accuracy": 0.9}
    assert registry.promote(client, name, "production", second) == first
    assert registry.stage_metrics(tmp_path, spec, "production", env) == {"accuracy": 0.95}

    registry.roll_back(client, name, "staging", first, "rolled back", "error rate 0.2 > 0.01")
    events = registry.history(client, name, "production") + registry.history(client, name, "staging")
    assert [(e["version"], e["outcome"]) for e in events] == [
        (first, "promoted"),
        (second, "promoted"),
        (first, "rolled back"),
    ]
    tags = client.get_model_version(name, first).tags
    assert tags["ci_gen.rolled_back.staging"].endswith("rolled back: error rate 0.2 > 0.01")


def test_find_version_by_digest_then_commit(mlflow_server):
    name = f"m-{uuid.uuid4().hex[:8]}"
    client = open_client(Store(mlflow_server.uri))
    tags = {registry.GIT_SHA: "c" * 40, registry.ARTIFACT_DIGESTS: "0123456789ab ba9876543210"}
    version = registry.register(client, name, _run(client, {"f1": 0.5}), tags)
    assert registry.find_version(client, name, "ba9876543210", None) == version
    assert registry.find_version(client, name, "sha256:" + "f" * 64, "c" * 40) == version
    assert registry.find_version(client, name, "sha256:" + "f" * 64, "d" * 40) is None
    registry.tag_image(client, name, version, "ghcr.io/acme/iris@sha256:" + "f" * 64)
    assert registry.find_version(client, name, "sha256:" + "f" * 64, None) == version


def test_no_embedded_store_means_no_champion(tmp_path):
    spec = _spec("anything", tmp_path)
    assert registry.stage_metrics(tmp_path, spec, "production", {}) is None
    store = resolve_store(tmp_path, spec.model.tracking, {})
    assert store.embedded and store.folder == (tmp_path / ".ci-gen-tracking").resolve()


def test_core_commands_do_not_import_mlflow(tmp_path):
    # MLflow is an optional extra: deploy, status and generate load without it until a registry is used.
    code = (
        "import sys\n"
        "import generator.deploy.driver, generator.deploy.control, generator.cli.status\n"
        "import generator.cli.track\n"
        "import generator.cli.reproduce, generator.tracking.hooks, generator.tracking.reproduce\n"
        "from generator.cli import main\n"
        "try:\n"
        "    main(['-C', sys.argv[1], 'validate'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mlflow'))\n"
    )
    (tmp_path / "ci-gen.yaml").write_text(
        "version: 1\nproject: x\npython: '3.11'\n"
        "model: {train: t, metrics: m.json, artifacts: [m], tracking: true}\n"
    )
    (tmp_path / "requirements.in").write_text("")
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_an_unreachable_server_is_one_clear_error(tmp_path, monkeypatch):
    from generator.deploy.ports import free_port
    from generator.errors import DeployError
    from generator.location import Location
    from generator.tracking.track import track

    (tmp_path / "ci-gen.yaml").write_text(
        "version: 1\nproject: x\npython: '3.11'\n"
        "model: {train: t, metrics: m.json, artifacts: [m.json], tracking: true}\n"
    )
    (tmp_path / "requirements.in").write_text("")
    (tmp_path / "m.json").write_text('{"accuracy": 0.9}')
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    uri = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(DeployError, match=f"the server {uri}: "):
        track(Location.find(tmp_path, None), register=False, env={"MLFLOW_TRACKING_URI": uri})
