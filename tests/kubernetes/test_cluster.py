"""The target's pieces against the doubles: server-side apply as the driver relies on it, the state record,
Prometheus queries (direct and through the API server's service proxy), and the status rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.deploy.release import image_release
from generator.deploy.state import EnvState
from generator.deploy.targets.base import STABLE
from generator.deploy.targets.kubernetes import status
from generator.deploy.targets.kubernetes.api import CONFIGMAP, DEPLOYMENT, ApiError, Conflict, connect
from generator.deploy.targets.kubernetes.manifests import Manifests
from generator.deploy.targets.kubernetes.metrics import DirectPrometheus, ProxiedPrometheus, Queries
from generator.deploy.targets.kubernetes.names import Names
from generator.deploy.targets.kubernetes.record import ClusterRecord
from generator.errors import DeployError, UsageError
from generator.render.templates import TemplateSet
from generator.spec.model import ContainerSpec, KubernetesTarget
from tests.kubernetes.apiserver import ApiServer
from tests.kubernetes.conftest import DIGEST_A, NAMESPACE
from tests.kubernetes.prometheus import PrometheusServer

NAMES = Names("iris", "production", NAMESPACE)


def manifests(**extra: object) -> Manifests:
    settings = KubernetesTarget.model_validate(
        {"namespace": NAMESPACE, "gateway": "public", "prometheus-url": "http://127.0.0.1:1", **extra}
    )
    return Manifests(NAMES, settings, ContainerSpec(), TemplateSet(), settings.health_timeout)


def test_apply_converges_and_removes_what_it_no_longer_applies(api: ApiServer, kubeconfig: Path) -> None:
    cluster = connect(NAMESPACE)
    release = image_release(DIGEST_A)
    first = cluster.apply(manifests(annotations={"team": "ml"}).deployment(STABLE, release))
    again = cluster.apply(manifests(annotations={"team": "ml"}).deployment(STABLE, release))
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert again["metadata"]["generation"] == first["metadata"]["generation"] == 1
    assert again["spec"]["template"]["metadata"]["annotations"]["team"] == "ml"
    changed = cluster.apply(manifests().deployment(STABLE, release))
    assert "team" not in changed["spec"]["template"]["metadata"]["annotations"]
    assert changed["metadata"]["generation"] == 2


def test_apply_conflicts_on_a_field_another_manager_owns(api: ApiServer, kubeconfig: Path) -> None:
    cluster = connect(NAMESPACE)
    applied = cluster.apply(manifests().deployment(STABLE, image_release(DIGEST_A)))
    path = DEPLOYMENT.path(NAMESPACE, applied["metadata"]["name"])
    applied["spec"]["replicas"] = 5
    cluster.request("PUT", path, query=[("fieldManager", "hpa")], body=applied)
    with pytest.raises(Conflict, match=r'conflict with "hpa": \.spec\.replicas'):
        cluster.apply(manifests().deployment(STABLE, image_release(DIGEST_A)))
    taken = cluster.apply(manifests().deployment(STABLE, image_release(DIGEST_A)), force=True)
    assert taken["spec"]["replicas"] == 2


def test_strict_field_validation_refuses_unknown_fields(api: ApiServer, kubeconfig: Path) -> None:
    cluster = connect(NAMESPACE)
    manifest = manifests().service(STABLE)
    manifest["spec"]["clusterIp"] = "None"  # the field is clusterIP
    with pytest.raises(ApiError, match="clusterIp") as raised:
        cluster.apply(manifest)
    assert raised.value.status == 422


def test_the_state_record_refuses_to_overwrite_a_concurrent_change(api: ApiServer, kubeconfig: Path) -> None:
    cluster = connect(NAMESPACE)
    ours, theirs = ClusterRecord(cluster, NAMES), ClusterRecord(cluster, NAMES)
    assert ours.pull() is None
    ours.push(EnvState(environment="production", weight=10))
    assert theirs.pull() == EnvState(environment="production", weight=10)
    theirs.push(EnvState(environment="production", weight=20))
    with pytest.raises(DeployError, match="changed in the cluster while this deploy ran"):
        ours.push(EnvState(environment="production", weight=30))
    found = cluster.get(CONFIGMAP, NAMES.state)
    assert found is not None and '"weight":20' in found["data"]["state.json"]


def test_no_credentials_is_bad_input(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(UsageError, match="no cluster credentials"):
        connect(NAMESPACE)


def test_an_unreachable_api_server_is_an_infrastructure_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        '{"apiVersion": "v1", "kind": "Config", "current-context": "c", "users": [{"name": "u", "user": {}}],'
        '"clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],'
        '"contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}'
    )
    monkeypatch.setenv("KUBECONFIG", str(config))
    with pytest.raises(ApiError, match="cannot reach the Kubernetes API") as raised:
        connect(NAMESPACE).get(DEPLOYMENT, "x")
    assert raised.value.exit_code == 3


# -- Prometheus ---------------------------------------------------------------------------------------

FIELDS = {
    "namespace": NAMESPACE,
    "service": "iris-production-stable",
    "deployment": "iris-production-stable",
    "track": "stable",
    "path": "/predict",
    "window": "60s",
}


def record_traffic(prometheus: PrometheusServer, count: int, errors: int) -> None:
    for index in range(count):
        status_code = "500" if index < errors else "200"
        prometheus.double.record(
            {
                "namespace": NAMESPACE,
                "pod": "iris-production-stable-g1-0",
                "endpoint": "/predict",
                "status": status_code,
                "reporter": "source",
                "destination_service_namespace": NAMESPACE,
                "destination_service_name": "iris-production-stable",
                "response_code": status_code,
            },
            seconds=(index + 1) / 1000,
        )


@pytest.mark.parametrize("preset", ["service", "istio"])
def test_presets_read_a_tracks_numbers(prometheus: PrometheusServer, preset: str) -> None:
    record_traffic(prometheus, 100, errors=3)
    stats = Queries.of(preset, {}).stats(DirectPrometheus(prometheus.url), FIELDS)
    assert (stats.requests, stats.errors) == (100, 3)
    assert stats.p50 == pytest.approx(50.0) and stats.p99 == pytest.approx(99.0)  # ms, both units


def test_an_override_is_what_prometheus_is_asked(prometheus: PrometheusServer) -> None:
    queries = Queries.of("service", {"requests": 'sum(my_requests{svc="$service"}[$window])'})
    prometheus.double.answers['sum(my_requests{svc="iris-production-stable"}[60s])'] = 42.0
    stats = queries.stats(DirectPrometheus(prometheus.url), FIELDS)
    assert stats.requests == 42
    assert 'sum(my_requests{svc="iris-production-stable"}[60s])' in prometheus.double.queries


def test_prometheus_through_the_api_servers_service_proxy(
    api: ApiServer, kubeconfig: Path, prometheus: PrometheusServer
) -> None:
    api.store.proxies["monitoring/prometheus:9090"] = prometheus.double.answer
    record_traffic(prometheus, 10, errors=0)
    query = ProxiedPrometheus(connect(NAMESPACE), "monitoring/prometheus:9090")
    assert Queries.of("istio", {}).stats(query, FIELDS).requests == 10
    assert any(
        "/services/http:prometheus:9090/proxy/api/v1/query" in path for _, path, _ in api.store.requests
    )


def test_a_refused_query_says_so(prometheus: PrometheusServer) -> None:
    bad = DirectPrometheus(prometheus.url + "/nothing-here")
    with pytest.raises(DeployError, match="Prometheus"):
        bad("up")
    with pytest.raises(DeployError, match="cannot query Prometheus"):
        DirectPrometheus("http://127.0.0.1:9")("up")


# -- status rules -------------------------------------------------------------------------------------


def deployment(generation: int = 2, **state: object) -> dict[str, object]:
    return {"metadata": {"generation": generation}, "spec": {"replicas": 2}, "status": dict(state)}


@pytest.mark.parametrize(
    ("state", "done", "note"),
    [
        ({"observedGeneration": 1}, False, "controller"),
        ({"observedGeneration": 2, "updatedReplicas": 1}, False, "1 of 2 pods updated"),
        ({"observedGeneration": 2, "updatedReplicas": 2, "replicas": 3}, False, "old pods"),
        (
            {"observedGeneration": 2, "updatedReplicas": 2, "replicas": 2, "availableReplicas": 1},
            False,
            "available",
        ),
        ({"observedGeneration": 2, "updatedReplicas": 2, "replicas": 2, "availableReplicas": 2}, True, ""),
    ],
)
def test_rollout_progress(state: dict[str, object], done: bool, note: str) -> None:
    progress = status.rollout(deployment(**state))
    assert progress.done is done and note in progress.note and progress.failure is None


def test_a_route_is_live_once_its_generation_is_accepted() -> None:
    def route(
        observed: int, accepted: str, resolved: str = "True", reason: str = "ResolvedRefs"
    ) -> dict[str, object]:
        conditions = [
            {"type": "Accepted", "status": accepted, "reason": "R", "observedGeneration": observed},
            {"type": "ResolvedRefs", "status": resolved, "reason": reason, "observedGeneration": observed},
        ]
        parent = {"parentRef": {"name": "public", "namespace": "infra"}, "conditions": conditions}
        return {"metadata": {"generation": 3}, "status": {"parents": [parent]}}

    assert status.route(route(2, "True"), "public", "infra").done is False
    assert status.route(route(3, "True"), "public", "infra").done is True
    assert status.route(route(3, "True"), "other", "infra").done is False
    assert status.route(route(3, "True", "False", "BackendNotFound"), "public", "infra").done is True
    assert "RefNotPermitted" in str(
        status.route(route(3, "True", "False", "RefNotPermitted"), "public", "infra").failure
    )
    assert status.route(route(3, "False"), "public", "infra").failure is not None
