"""The real strategies (basic, shadow, canary) and the real driver, end to end on the kubernetes target,
against the API double, the Prometheus double and the data-plane double (see their docstrings for what
they enforce and what they do not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.report import DeployReport, Event
from generator.errors import DeployError, UsageError
from tests.kubernetes.apiserver import ApiServer
from tests.kubernetes.conftest import DIGEST_A, DIGEST_B, DIGEST_C, NAMESPACE, Project
from tests.kubernetes.dataplane import Behaviour, DataPlane

pytestmark = pytest.mark.filterwarnings("error")


def run(project: Project, stage: str, image: str, until: int = 40) -> tuple[DeployReport, list[str]]:
    lines: list[str] = []
    request = DeployRequest(project.location, stage, image=image, until_requests=until, poll_seconds=0.05)
    report = deploy(request, lambda event: lines.append(event.message))
    return report, lines


def deployment(api: ApiServer, name: str) -> dict | None:
    return api.store.get("deployments", NAMESPACE, name)


def route(api: ApiServer, env: str) -> dict:
    found = api.store.get("httproutes", NAMESPACE, f"iris-{env}")
    assert found is not None
    return found


def backends(api: ApiServer, env: str) -> list[tuple[str, int]]:
    return [(ref["name"], ref["weight"]) for ref in route(api, env)["spec"]["rules"][0]["backendRefs"]]


def image_of(api: ApiServer, name: str) -> str:
    found = deployment(api, name)
    assert found is not None
    return found["spec"]["template"]["spec"]["containers"][0]["image"]


def test_basic_installs_then_promotes(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    report, lines = run(project, "staging", DIGEST_A)
    assert (report.outcome, report.exit_code) == ("installed", 0), lines
    assert image_of(api, "iris-staging-stable") == DIGEST_A
    assert backends(api, "staging") == [("iris-staging-stable", 100)]

    traffic["staging"].start()
    report, lines = run(project, "staging", DIGEST_B)
    assert (report.outcome, report.exit_code) == ("promoted", 0), (report.reason, lines)
    assert image_of(api, "iris-staging-stable") == DIGEST_B
    assert deployment(api, "iris-staging-candidate") is None
    assert api.store.get("services", NAMESPACE, "iris-staging-candidate") is None
    assert backends(api, "staging") == [("iris-staging-stable", 100)]
    verify = report.steps[0]
    assert verify["step"] == "verify" and verify["verdict"] == "pass"
    assert verify["candidate"]["requests"] >= 40  # counted by Prometheus for the candidate's pods


def install(api: ApiServer, project: Project, stage: str, env: str, plane: DataPlane) -> None:
    report, lines = run(project, stage, DIGEST_A)
    assert report.outcome == "installed", lines
    plane.start()


def test_canary_promotes_through_its_steps_judging_agreement(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    install(api, project, "production", "production", traffic["production"])
    weights_seen: list[list[tuple[str, int]]] = []
    lines: list[str] = []

    def emit(event: Event) -> None:
        lines.append(event.message)
        if event.message.startswith("canary"):
            weights_seen.append(backends(api, "production"))

    request = DeployRequest(
        project.location, "production", image=DIGEST_B, until_requests=30, poll_seconds=0.05
    )
    report = deploy(request, emit)
    assert (report.outcome, report.exit_code) == ("promoted", 0), (report.reason, lines)
    assert [s["weight"] for s in report.steps] == [20, 50]
    assert all(s["compared"] >= 20 and s["agreement"] == 1.0 for s in report.steps), report.steps
    assert ("iris-production-candidate", 20) in weights_seen[0]
    assert image_of(api, "iris-production-stable") == DIGEST_B
    assert deployment(api, "iris-production-candidate") is None
    assert backends(api, "production") == [("iris-production-stable", 100)]
    assert "filters" not in str(route(api, "production")["spec"])  # the mirror went with the candidate


def test_canary_rolls_back_a_failing_candidate(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    install(api, project, "production", "production", traffic["production"])
    traffic["production"].behaviours[DIGEST_C] = Behaviour(error_rate=0.5)
    report, lines = run(project, "production", DIGEST_C)
    assert (report.outcome, report.exit_code) == ("rolled back", 1), lines
    assert "error-rate" in report.reason
    assert backends(api, "production") == [("iris-production-stable", 100)]
    assert "RequestMirror" not in str(route(api, "production"))
    assert deployment(api, "iris-production-candidate") is None
    assert api.store.get("services", NAMESPACE, "iris-production-candidate") is None
    assert image_of(api, "iris-production-stable") == DIGEST_A


def test_shadow_judges_mirrored_copies_and_never_changes_stable(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    install(api, project, "shadow", "shadow", traffic["shadow"])
    plane = traffic["shadow"]
    report, lines = run(project, "shadow", DIGEST_B)
    assert (report.outcome, report.exit_code) == ("passed", 0), (report.reason, lines)
    step = report.steps[0]
    assert step["weight"] == 0 and step["compared"] >= 20 and step["agreement"] == 1.0
    assert plane.answered.get("iris-shadow-candidate", 0) >= 20  # copies reached the candidate's pods
    assert image_of(api, "iris-shadow-stable") == DIGEST_A
    assert deployment(api, "iris-shadow-candidate") is None

    plane.behaviours[DIGEST_C] = Behaviour(predict=lambda request_id: ["virginica"])
    report, lines = run(project, "shadow", DIGEST_C)
    assert (report.outcome, report.exit_code) == ("failed", 1), lines
    assert "agreement" in report.reason
    assert image_of(api, "iris-shadow-stable") == DIGEST_A
    assert "RequestMirror" not in str(route(api, "shadow"))


def test_a_rollout_that_cannot_finish_is_rolled_back(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    install(api, project, "staging", "staging", traffic["staging"])
    api.store.failing_images.add(DIGEST_C)
    report, lines = run(project, "staging", DIGEST_C)
    assert (report.outcome, report.exit_code) == ("rolled back", 1), lines
    assert "CrashLoopBackOff" in report.reason
    assert deployment(api, "iris-staging-candidate") is None
    assert backends(api, "staging") == [("iris-staging-stable", 100)]


def test_a_fresh_runner_takes_the_state_from_the_cluster(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane], tmp_path: Path
) -> None:
    install(api, project, "staging", "staging", traffic["staging"])
    report, _ = run(project, "staging", DIGEST_B)
    assert report.outcome == "promoted"
    versions = {k: v["metadata"]["resourceVersion"] for k, v in api.store.objects.items() if k[0] != "pods"}

    import shutil

    shutil.rmtree(project.root / ".ci-gen-state")  # a new runner: no local state at all
    report, lines = run(project, "staging", DIGEST_B)
    assert (report.outcome, report.exit_code) == ("unchanged", 0), lines
    after = {k: v["metadata"]["resourceVersion"] for k, v in api.store.objects.items() if k[0] != "pods"}
    unchanged = {k for k in versions if k[0] != "configmaps"}
    assert {k: after[k] for k in unchanged} == {
        k: versions[k] for k in unchanged
    }  # reapplying changed nothing


def scale_by_hand(api: ApiServer, name: str, replicas: int) -> None:
    """What `kubectl scale` does: an update under another field manager."""
    from generator.deploy.targets.kubernetes.api import connect

    cluster = connect(NAMESPACE)
    current = cluster.request("GET", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{name}")
    current["spec"]["replicas"] = replicas
    path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{name}"
    cluster.request("PUT", path, query=[("fieldManager", "kubectl-scale")], body=current)


def test_a_field_owned_by_another_manager_stops_the_deploy_unless_forced(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane], tmp_path: Path
) -> None:
    from tests.kubernetes.conftest import write_project

    install(api, project, "staging", "staging", traffic["staging"])
    scale_by_hand(api, "iris-staging-stable", 3)
    with pytest.raises(DeployError) as raised:
        run(project, "staging", DIGEST_B)
    assert 'conflict with "kubectl-scale": .spec.replicas' in str(raised.value)
    assert raised.value.exit_code == 3
    assert image_of(api, "iris-staging-stable") == DIGEST_A  # stable untouched, candidate cleaned up
    assert deployment(api, "iris-staging-candidate") is None
    assert backends(api, "staging") == [("iris-staging-stable", 100)]

    forced = write_project(project.root, _prometheus_url(project), "force-conflicts: true")
    report, lines = run(forced, "staging", DIGEST_B)
    assert report.outcome == "promoted", lines
    found = deployment(api, "iris-staging-stable")
    assert (
        found is not None
        and found["spec"]["replicas"] == 2
        and image_of(api, "iris-staging-stable") == DIGEST_B
    )


def _prometheus_url(project: Project) -> str:
    import yaml

    spec = yaml.safe_load((project.root / "ci-gen.yaml").read_text())
    return str(spec["deploy"]["kubernetes"]["prometheus-url"])


def test_a_hand_edited_route_is_taken_back(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    install(api, project, "staging", "staging", traffic["staging"])
    from generator.deploy.targets.kubernetes.api import connect

    cluster = connect(NAMESPACE)
    path = f"/apis/gateway.networking.k8s.io/v1/namespaces/{NAMESPACE}/httproutes/iris-staging"
    edited = cluster.request("GET", path)
    edited["spec"]["rules"][0]["backendRefs"][0]["weight"] = 7
    cluster.request("PUT", path, query=[("fieldManager", "kubectl-edit")], body=edited)
    report, lines = run(project, "staging", DIGEST_B)
    assert report.outcome == "promoted", lines
    assert backends(api, "staging") == [("iris-staging-stable", 100)]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("token", "credentials were not accepted"),
        ("reject", "the Gateway did not accept the route: NotAllowedByListeners"),
        ("crds", "Gateway API CRDs"),
    ],
)
def test_infrastructure_problems_are_exit_3_with_a_hint(
    api: ApiServer, project: Project, breakage: str, message: str
) -> None:
    api.store.token = "other" if breakage == "token" else api.store.token
    api.store.reject_routes = breakage == "reject"
    api.store.gateway_api_installed = breakage != "crds"
    with pytest.raises(DeployError) as raised:
        run(project, "staging", DIGEST_A)
    assert raised.value.exit_code == 3
    assert message in f"{raised.value.message} {raised.value.hint}"


def test_an_artifact_release_is_bad_input(project: Project) -> None:
    (project.root / "model.bin").write_text("weights")
    request = DeployRequest(project.location, "staging", artifact=Path("model.bin"))
    with pytest.raises(UsageError, match="container images"):
        deploy(request, lambda event: None)


def test_ci_gen_deploy_on_the_command_line(api: ApiServer, project: Project) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    result = CliRunner().invoke(
        cli,
        ["-C", str(project.root), "deploy", "--stage", "staging", "--image", DIGEST_A, "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert '"outcome": "installed"' in result.output
    assert image_of(api, "iris-staging-stable") == DIGEST_A


def test_status_and_rollback_work_from_the_clusters_record(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    import shutil

    from generator.deploy.control import rollback, status

    install(api, project, "staging", "staging", traffic["staging"])
    shutil.rmtree(project.root / ".ci-gen-state")  # another machine
    [entry] = status(project.location, "staging")
    assert entry["stable"]["image"] == DIGEST_A and entry["url"] == "http://iris.example.com"
    assert entry["tracks"]["stable"]["available"] == "2/2" and entry["tracks"]["candidate"] is None

    rollback(project.location, "staging", lambda event: None, down=True)
    assert deployment(api, "iris-staging-stable") is None
    assert api.store.get("httproutes", NAMESPACE, "iris-staging") is None


def test_a_deploy_killed_mid_canary_is_resumed_by_the_next_runner(
    api: ApiServer, project: Project, traffic: dict[str, DataPlane]
) -> None:
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time

    install(api, project, "production", "production", traffic["production"])
    # No --until-requests: each step watches its whole 20 s interval, so the kill lands mid-step.
    deploy_args = ["deploy", "--stage", "production", "--image", DIGEST_B]
    argv = [sys.executable, "-m", "generator.cli", "-C", str(project.root), *deploy_args]
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 30
        while ("iris-production-candidate", 20) not in backends(api, "production"):
            assert time.monotonic() < deadline and child.poll() is None, "the deploy never reached canary 1/2"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    shutil.rmtree(project.root / ".ci-gen-state")  # the next job runs on another runner

    report, lines = run(project, "production", DIGEST_B)
    assert any("resuming the deploy" in line and "canary 1/2" in line for line in lines), lines
    assert (report.outcome, report.exit_code) == ("promoted", 0), (report.reason, lines)
    assert image_of(api, "iris-production-stable") == DIGEST_B
    assert deployment(api, "iris-production-candidate") is None
