"""The deploy driver's hooks, and the model registry's hook against a real `mlflow server`."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from generator.deploy.hooks import StageEnd, notify
from generator.deploy.release import Release, content_digest
from generator.deploy.report import DeployReport, Event
from generator.errors import DeployError
from generator.tracking import registry
from generator.tracking.hooks import RegistryHook
from generator.tracking.store import Store, open_client


def _report(stage: str, outcome: str, reason: str = "") -> DeployReport:
    return DeployReport(
        stage=stage,
        environment=stage,
        strategy="canary",
        version="v",
        release="r",
        previous=None,
        outcome=outcome,
        reason=reason,
        exit_code=0,
        seconds=1.0,
        steps=[],
        timeline=[],
    )


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def promoted(self, end: StageEnd) -> list[str]:
        self.calls.append(("promoted", end.outcome))
        return [f"promoted {end.stage}"]

    def rolled_back(self, end: StageEnd) -> list[str]:
        self.calls.append(("rolled back", end.outcome))
        return []


class Broken:
    name = "broken"

    def promoted(self, end: StageEnd) -> list[str]:
        raise DeployError("server down")

    rolled_back = promoted


@pytest.mark.parametrize(
    ("outcome", "call"),
    [
        ("installed", "promoted"),
        ("promoted", "promoted"),
        ("unchanged", "promoted"),
        ("passed", "promoted"),
        ("rolled back", "rolled back"),
        ("failed", "rolled back"),
        ("refused", "rolled back"),
        ("cancelled", "rolled back"),
    ],
)
def test_notify_tells_each_hook_how_the_stage_ended(outcome, call):
    recorder, events = Recorder(), []
    notify((Broken(), recorder), _report("prod", outcome), Release(version="v"), events.append)
    assert recorder.calls == [(call, outcome)]  # a broken hook does not stop the others
    assert events[0] == Event("broken: not recorded: server down")


@pytest.mark.slow
def test_the_registry_hook_moves_aliases_and_records_rollbacks(mlflow_server, tmp_path: Path):
    name = f"hook-{uuid.uuid4().hex[:8]}"
    client = open_client(Store(mlflow_server.uri))
    models = {}
    for seed in ("good", "bad"):
        model = tmp_path / seed / "model.joblib"
        model.parent.mkdir()
        model.write_text(seed)
        run = client.create_run(client.create_experiment(f"{name}-{seed}")).info.run_id
        client.log_metric(run, "accuracy", 0.97 if seed == "good" else 0.4)
        tags = {registry.ARTIFACT_DIGESTS: content_digest(model), registry.GIT_SHA: seed * 5}
        models[seed] = (registry.register(client, name, run, tags), model)
    hook = RegistryHook(Store(mlflow_server.uri), name, None)
    good, bad = (Release(version="x", artifact=str(models[s][1])) for s in ("good", "bad"))

    lines = hook.promoted(StageEnd("staging", good, "installed", ""))
    assert lines == [f"model registry: alias 'staging' -> {name} version {models['good'][0]}"]
    assert hook.promoted(StageEnd("staging", good, "unchanged", ""))[-1].endswith("already on version 1")
    lines = hook.rolled_back(StageEnd("staging", bad, "rolled back", "accuracy gate"))
    assert lines == [f"model registry: version {models['bad'][0]} recorded as rolled back in 'staging'"]
    assert registry.serving(client, name, "staging").metrics == {"accuracy": 0.97}
    assert [e["outcome"] for e in registry.history(client, name, "staging")] == ["promoted", "rolled back"]

    image = Release(version="abc", image="ghcr.io/acme/iris@sha256:" + "e" * 64)
    lines = RegistryHook(Store(mlflow_server.uri), name, "good" * 5).promoted(
        StageEnd("prod", image, "promoted", "")
    )
    assert lines[0] == f"model registry: version 1 tagged with image {image.image}"
    assert client.get_model_version(name, "1").tags[registry.IMAGE_DIGEST] == "sha256:" + "e" * 64
    unknown = Release(version="zzz", image="ghcr.io/acme/iris@sha256:" + "0" * 64)
    assert "nothing recorded" in hook.promoted(StageEnd("prod", unknown, "promoted", ""))[0]
