"""Every manifest the kubernetes target can produce passes `kubernetes-validate --strict` for every
Kubernetes version from 1.29 to the newest kubernetes-validate ships, and the Gateway API's HTTPRoute
schema (vendored, unknown fields rejected); template overrides reach the manifests."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from generator.deploy.release import image_release
from generator.deploy.targets.base import CANDIDATE, STABLE
from generator.deploy.targets.kubernetes.manifests import Manifests, Routing, check_route, label_value
from generator.deploy.targets.kubernetes.names import Names, dns_label
from generator.errors import RenderError
from generator.render.templates import TemplateSet
from generator.spec.model import ContainerSpec, KubernetesTarget
from tests.kubernetes.conftest import DIGEST_A

SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
VERSIONS = sorted(
    (
        name.removeprefix("v").removesuffix("-local-strict")
        for name in os.listdir(SCHEMAS)
        if name.endswith("-strict")
    ),
    key=lambda v: tuple(int(p) for p in v.split(".")),
)
SUPPORTED = [v for v in VERSIONS if tuple(int(p) for p in v.split(".")[:2]) >= (1, 29)]

PLAIN = {"namespace": "ml", "gateway": "public", "prometheus-url": "http://127.0.0.1:9090"}
FULL = {
    "namespace": "ml",
    "gateway": "infra/public",
    "listener": "https",
    "hostnames": ["iris.example.com", "*.iris.example.com"],
    "prometheus-service": "monitoring/prometheus:9090",
    "metrics": "istio",
    "replicas": 3,
    "port": 8080,
    "requests": {"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "1Gi"},
    "limits": {"memory": "2Gi"},
    "annotations": {"sidecar.istio.io/inject": "true", "note": 'a: "quoted" {value} # not a comment'},
    "node-selector": {"kubernetes.io/arch": "amd64"},
    "tolerations": [
        {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Equal", "value": "true", "effect": "NoExecute", "tolerationSeconds": 60},
    ],
    "env": {"MODEL_WORKERS": "2", "LOG_FORMAT": "json"},
    "service-account": "iris",
    "image-pull-secrets": ["ghcr"],
}
ROUTINGS = [
    Routing(),
    Routing(weight=10),
    Routing(weight=100),
    Routing(weight=0, mirror_to=CANDIDATE, mirror_percent=100),
    Routing(weight=0, mirror_to=CANDIDATE, mirror_percent=25),
    Routing(weight=50, mirror_to=STABLE, mirror_percent=100),
]


def manifests(
    settings: dict[str, Any], templates: TemplateSet | None = None, env: str = "production"
) -> Manifests:
    target = KubernetesTarget.model_validate(settings)
    return Manifests(
        Names("iris", env, settings["namespace"]),
        target,
        ContainerSpec(),
        templates or TemplateSet(),
        target.health_timeout,
    )


def everything(m: Manifests) -> list[dict[str, Any]]:
    release = image_release(DIGEST_A)
    tracks = [m.deployment(t, release) for t in (STABLE, CANDIDATE)] + [
        m.service(t) for t in (STABLE, CANDIDATE)
    ]
    return tracks + [m.route(r) for r in ROUTINGS]


def test_the_suite_covers_1_29_to_the_newest_schemas() -> None:
    assert SUPPORTED[0] == "1.29.0"
    assert len(SUPPORTED) >= 9  # 1.29 .. 1.37 in kubernetes-validate 1.37


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("settings", [PLAIN, FULL], ids=["plain", "full"])
def test_workload_manifests_pass_kubernetes_validate_strict(version: str, settings: dict[str, Any]) -> None:
    for manifest in everything(manifests(settings)):
        if manifest["kind"] == "HTTPRoute":
            with pytest.raises(kubernetes_validate.SchemaNotFoundError):  # a CRD: checked below instead
                kubernetes_validate.validate(manifest, version, strict=True)
        else:
            assert kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize("settings", [PLAIN, FULL], ids=["plain", "full"])
def test_routes_fit_the_gateway_api_schema(settings: dict[str, Any]) -> None:
    for routing in ROUTINGS:
        check_route(manifests(settings).route(routing))


def test_the_route_splits_and_mirrors_as_the_strategies_ask() -> None:
    m = manifests(FULL)
    shadow = m.route(Routing(mirror_to=CANDIDATE, mirror_percent=25))["spec"]["rules"][0]
    assert shadow["filters"] == [
        {
            "type": "RequestMirror",
            "requestMirror": {
                "backendRef": {"name": "iris-production-candidate", "port": 8080},
                "percent": 25,
            },
        }
    ]
    assert shadow["backendRefs"] == [{"name": "iris-production-stable", "port": 8080, "weight": 100}]
    canary = m.route(Routing(weight=50, mirror_to=STABLE, mirror_percent=100))["spec"]["rules"][0]
    assert "filters" not in canary
    assert canary["backendRefs"][1]["filters"][0]["requestMirror"] == {
        "backendRef": {"name": "iris-production-stable", "port": 8080}
    }  # 100%: no percent, any API version
    assert [b["weight"] for b in canary["backendRefs"]] == [50, 50]
    parent = m.route(Routing())["spec"]["parentRefs"][0]
    assert parent == {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": "public",
        "namespace": "infra",
        "sectionName": "https",
    }


def test_the_route_schema_rejects_what_the_api_would() -> None:
    route = manifests(PLAIN).route(Routing(weight=10))
    route["spec"]["rules"][0]["backendRefs"][0]["wieght"] = 1
    with pytest.raises(RenderError, match="wieght"):
        check_route(route)
    route = manifests(PLAIN).route(Routing(mirror_to=CANDIDATE, mirror_percent=50))
    route["spec"]["rules"][0]["filters"][0]["requestMirror"]["percent"] = 101
    with pytest.raises(RenderError, match="101"):
        check_route(route)


def test_spec_values_are_quoted_not_interpreted() -> None:
    deployment = manifests(FULL).deployment(STABLE, image_release(DIGEST_A))
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["note"] == FULL["annotations"]["note"]
    assert deployment["spec"]["template"]["spec"]["tolerations"][1]["tolerationSeconds"] == 60


def test_the_deployment_is_hardened_and_probed() -> None:
    pod = manifests(PLAIN).deployment(CANDIDATE, image_release(DIGEST_A))["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert {
        p: container[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe", "startupProbe")
    } == {"readinessProbe": "/health", "livenessProbe": "/health", "startupProbe": "/health"}
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }


OVERRIDE = """\
{% extends "builtin/kubernetes/deployment.yaml.j2" %}
{% block resources %}
          resources:
            limits:
              nvidia.com/gpu: "1"
{% endblock %}
{% block scheduling %}
      nodeSelector:
        "accelerator": "a100"
      priorityClassName: "ml-serving"
{% endblock %}
"""


def test_an_override_folder_reaches_the_manifests(tmp_path: Path) -> None:
    folder = tmp_path / "platform"
    (folder / "kubernetes").mkdir(parents=True)
    (folder / "kubernetes" / "deployment.yaml.j2").write_text(OVERRIDE)
    deployment = manifests(PLAIN, TemplateSet([folder])).deployment(STABLE, image_release(DIGEST_A))
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"] == {"limits": {"nvidia.com/gpu": "1"}}
    assert pod["nodeSelector"] == {"accelerator": "a100"} and pod["priorityClassName"] == "ml-serving"
    for version in (SUPPORTED[0], SUPPORTED[-1]):
        assert kubernetes_validate.validate(deployment, version, strict=True)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("apiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: ml}\n", "apps/v1"),
        (
            '{% extends "builtin/kubernetes/deployment.yaml.j2" %}{% block labels %}    a: b\n{% endblock %}',
            "labels must include",
        ),
        ("- not\n- a mapping\n", "one mapping"),
        ("{{ undefined_thing }}", "template error"),
    ],
)
def test_an_override_that_breaks_what_ci_gen_relies_on_is_refused(
    tmp_path: Path, template: str, message: str
) -> None:
    folder = tmp_path / "platform"
    (folder / "kubernetes").mkdir(parents=True)
    (folder / "kubernetes" / "deployment.yaml.j2").write_text(template)
    with pytest.raises(RenderError, match=message):
        manifests(PLAIN, TemplateSet([folder])).deployment(STABLE, image_release(DIGEST_A))


@pytest.mark.parametrize(
    ("project", "environment"),
    [("iris", "production"), ("9lives", "prod"), ("a" * 50, "Production EU west " * 3)],
)
def test_names_are_valid_dns_labels_whatever_the_environment(project: str, environment: str) -> None:
    names = Names(project, environment, "ml")
    for name in [names.track(t) for t in (STABLE, CANDIDATE)] + [names.route, names.environment_label]:
        assert len(name) <= 63 and name[0].isalnum() and name.replace("-", "").isalnum() and name.islower()
    assert names.track(STABLE)[0].isalpha()  # Service names are DNS-1035 labels


def test_shortened_names_stay_distinct() -> None:
    first, second = (dns_label("x" * 80 + suffix) for suffix in ("a", "b"))
    assert first != second and len(first) == len(second) == 63
    assert label_value("v" * 70) != label_value("v" * 71)
    assert label_value("1.2.3") == "1.2.3"


def test_every_combination_of_tracks_and_routings_renders() -> None:
    m = manifests(FULL)
    for weight, mirror_to, percent in itertools.product((0, 1, 99, 100), (None, STABLE, CANDIDATE), (1, 100)):
        check_route(m.route(Routing(weight, mirror_to, percent)))
