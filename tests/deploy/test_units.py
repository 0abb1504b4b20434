"""Releases, router logs, reports and the state lock: the pieces under the strategies."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from generator.deploy.gates import Observation, TrackStats, judge
from generator.deploy.release import artifact_release, content_digest, image_release
from generator.deploy.report import DeployReport, markdown, mermaid_chart, step_record
from generator.deploy.state import EnvironmentBusy, EnvState, StateStore, deploy_lock, lock_is_held
from generator.deploy.targets.local import logs, runtimes
from generator.errors import UsageError
from generator.spec.model import DeployGates

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("reference", "version"),
    [
        (f"ghcr.io/acme/iris@{DIGEST}", "abababababab"),
        (f"localhost:5000/iris:1.2@{DIGEST}", "abababababab"),
        ("localhost/iris:v2", "v2"),
    ],
)
def test_image_references_name_their_version(reference, version):
    assert image_release(reference).version == version


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("ghcr.io/acme/iris@sha256:abc", "malformed digest"),
        ("@", "empty"),
        ("ghcr.io/acme/iris", "no tag or digest"),
        (f"GHCR.io/Acme/Iris@{DIGEST}", "not an image reference"),
        ("ghcr.io/acme/iris@md5:" + "a" * 32, "malformed digest"),
    ],
)
def test_malformed_image_references_are_bad_input(reference, message):
    with pytest.raises(UsageError, match=message) as caught:
        image_release(reference)
    assert caught.value.exit_code == 2


def test_artifact_versions_match_the_services_own(tmp_path):
    model = tmp_path / "model.joblib"
    model.write_bytes(b"weights")
    release = artifact_release(model, None)
    assert release.version == content_digest(model) == hashlib.sha256(b"weights").hexdigest()[:12]
    assert release.artifact == str(model)
    assert artifact_release(model, "v7").version == "v7"
    with pytest.raises(UsageError, match="does not exist"):
        artifact_release(tmp_path / "missing", None)


def _line(port_list, statuses, rt=0.01, src="user", uri="/predict"):
    return {
        "src": src,
        "uri": uri,
        "rt": rt,
        "id": "x",
        "up": ", ".join(port_list),
        "ups": ", ".join(statuses),
    }


def test_router_log_lines_count_each_tracks_attempts():
    lines = [
        _line(["127.0.0.1:9001"], ["200"]),
        _line(["127.0.0.1:9002"], ["500"], rt=0.02),
        _line(["127.0.0.1:9002", "127.0.0.1:9001"], ["502", "200"], rt=0.03),  # failed over to stable
        _line(["127.0.0.1:9001"], ["200"], uri="/health"),
        _line(["127.0.0.1:9002"], ["200"], src="replay"),
    ]
    stable = logs.track_stats(lines, 9001, "user", "/predict")
    candidate = logs.track_stats(lines, 9002, "user", "/predict")
    assert (stable.requests, stable.errors, stable.p99) == (2, 0, 30.0)
    assert (candidate.requests, candidate.errors, candidate.p99) == (2, 2, 20.0)
    assert logs.track_stats(lines, 9002, "replay", "/predict").requests == 1


def test_predictions_are_joined_by_request_id():
    stable = logs.predictions(['{"event":"prediction","request_id":"a","predictions":["x"]}', "not json", ""])
    candidate = logs.predictions(
        [
            json.dumps({"event": "prediction", "request_id": i, "predictions": [p]})
            for i, p in (("a", "x"), ("b", "y"))
        ]
    )
    assert logs.agreement(candidate, stable, ["a", "b"]) == (1.0, 1)
    assert logs.agreement(candidate, {"a": ["z"]}, ["a"]) == (0.0, 1)


def test_the_report_has_a_table_per_step_and_a_chart():
    observation = Observation(TrackStats(80, 2, 5, 9, 12), TrackStats(60, 0, 4, 8, 10), 0.95, 40)
    record = step_record("canary 1/2", 25, 5.0, observation, judge(DeployGates(), observation), 6.0)
    report = DeployReport(
        "prod",
        "prod",
        "canary",
        "v2",
        "models/v2",
        "models/v1",
        "rolled back",
        "canary 1/2: fail",
        1,
        9.0,
        steps=[record],
        timeline=[{"t": 1.0, "weight": 25, "error_rate": 0.0}, {"t": 2.0, "weight": 25, "error_rate": 0.025}],
    )
    text = markdown(report)
    assert "### canary 1/2: fail (25% to candidate, 5 s)" in text
    assert "| error-rate | `<= 0.01` | 0.025 | fail | error-rate 0.025 is not <= 0.01 |" in text
    assert "| candidate | 80 | 2 | 5.0 | 9.0 | 12.0 |" in text
    assert "```mermaid\nxychart-beta" in text and "bar [25, 25]" in text and "line [0.0, 2.5]" in text
    assert json.loads(report.to_json())["outcome"] == "rolled back"
    assert mermaid_chart([]) == ""


def test_state_round_trips_and_is_replaced_atomically(tmp_path):
    store = StateStore(tmp_path / "prod", "prod")
    assert store.load() == EnvState(environment="prod")
    state = store.load()
    state.weight = 25
    store.save(state)
    assert store.load().weight == 25
    assert [p.name for p in (tmp_path / "prod").iterdir()] == ["state.json"]


def test_a_held_lock_refuses_a_second_deploy_and_a_dead_holders_lock_is_taken_over(tmp_path):
    folder = tmp_path / "prod"
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert lock_is_held(folder / "deploy.lock")
        with (
            pytest.raises(EnvironmentBusy, match=f"pid {holder.pid}") as caught,
            deploy_lock(folder, "prod", "x"),
        ):
            pass
        assert caught.value.exit_code == 3
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # The holder died holding it: its pid is still in the file, but the kernel released the lock.
    assert json.loads((folder / "deploy.lock").read_text())["pid"] == holder.pid
    with deploy_lock(folder, "prod", "rerun"):
        assert json.loads((folder / "deploy.lock").read_text())["pid"] == os.getpid()


LOCK_HOLDER = """
import sys, time
from pathlib import Path
from generator.deploy.state import deploy_lock
with deploy_lock(Path(sys.argv[1]), "prod", "deploy --stage prod"):
    print("locked", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize(
    ("stderr", "fix"),
    [
        # What podman 4.3 says as an ordinary user where /dev/net/tun is 0600 (as on the test machine).
        (
            'Error: /usr/bin/slirp4netns failed: "open(\\"/dev/net/tun\\"): Permission denied\\n"',
            "chmod 0666",
        ),
        (
            "Error: could not find slirp4netns, the network namespace can't be configured: "
            'exec: "slirp4netns": executable file not found in $PATH',
            "apt-get install slirp4netns",
        ),
        ("Error: image not known", None),
    ],
)
def test_a_track_without_a_network_of_its_own_says_how_to_fix_the_machine(
    stderr: str, fix: str | None
) -> None:
    hint = runtimes._network_hint(stderr)
    assert (hint is None) if fix is None else (hint is not None and fix in hint)
