"""`ci-gen monitor --stage` on the kubernetes target: the stable pods' logs, read through the API double."""

from __future__ import annotations

import json
import time

from generator.deploy.driver import DeployRequest, deploy, make_target, open_stage
from generator.deploy.state import Session, StateStore
from generator.deploy.targets.base import CANDIDATE, STABLE
from generator.monitor.run import MonitorRequest, make_profile, run_monitor
from tests.kubernetes.apiserver import ApiServer
from tests.kubernetes.conftest import DIGEST_A, NAMESPACE, Project
from tests.monitor.synthetic import log_lines, rows

MONITOR = """\
model: {train: "true", metrics: m.json, artifacts: [m.json]}
monitor: {reference: reference.jsonl, thresholds: {min-rows: 100}}
"""


def test_monitor_reads_the_stable_pods_logs(api: ApiServer, project: Project) -> None:
    with (project.root / "ci-gen.yaml").open("a") as spec:
        spec.write(MONITOR)
    training = rows(2000, seed=1)
    (project.root / "reference.jsonl").write_text("".join(json.dumps(r) + "\n" for r in training))
    make_profile(project.location)
    report = deploy(DeployRequest(project.location, "production", image=DIGEST_A), lambda event: None)
    assert report.outcome == "installed"
    pods = sorted(k[2] for k in api.store.objects if k[0] == "pods" and "production-stable" in k[2])
    assert len(pods) == 2
    drifted = log_lines(rows(400, seed=5, shift=2.0))[1:]
    for index, line in enumerate(drifted):
        api.store.append_log(NAMESPACE, pods[index % 2], line)
    result = run_monitor(MonitorRequest(project.location, stage="production", window=3600))
    assert result.origin == "logs of 2 stable pods over the last 3600 s"
    assert result.report.rows == 400 and result.report.verdict == "drift"
    assert [f.name for f in result.report.drifted if f.role == "input"] == ["x"]


def test_the_targets_log_reader_returns_a_tracks_pod_lines_from_now(api: ApiServer, project: Project) -> None:
    """What the drift gates read through the Target protocol: every pod of the track, since it opened."""
    report = deploy(DeployRequest(project.location, "production", image=DIGEST_A), lambda event: None)
    assert report.outcome == "installed"
    pods = sorted(k[2] for k in api.store.objects if k[0] == "pods" and "production-stable" in k[2])
    api.store.logs.setdefault((NAMESPACE, pods[0]), []).append((time.time() - 60, "a minute ago"))
    opened = open_stage(project.location, "production")
    target = make_target(opened, Session(StateStore(opened.environment.folder, opened.environment.name)))
    read = target.log_reader(STABLE)
    for index, pod in enumerate(pods):
        api.store.append_log(NAMESPACE, pod, f"line {index}")
    assert sorted(read()) == [f"line {index}" for index in range(len(pods))]
    assert target.log_reader(CANDIDATE)() == []
