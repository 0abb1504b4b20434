"""The spec's kubernetes settings: what they accept and how they say what is wrong."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.plan import resolve_plan
from generator.spec.load import load_spec_text

BASE = """\
version: 1
project: iris
python: "3.11"
container: {{}}
deploy:
  target: kubernetes
{kubernetes}  stages: [{{name: production, strategy: canary}}]
"""
GOOD = """\
  kubernetes:
    namespace: ml
    gateway: infra/public
    prometheus-url: http://prometheus.monitoring:9090
"""


def load(kubernetes: str):  # type: ignore[no-untyped-def]
    return load_spec_text(BASE.format(kubernetes=kubernetes), "ci-gen.yaml")[0]


def test_a_minimal_section_and_its_defaults() -> None:
    settings = load(GOOD).deploy.kubernetes
    assert settings is not None
    assert (settings.credentials, settings.metrics, settings.replicas, settings.port) == (
        "kubeconfig-secret",
        "service",
        2,
        80,
    )
    assert resolve_plan(load(GOOD)).kubernetes == settings


@pytest.mark.parametrize(
    ("kubernetes", "message"),
    [
        ("", "deploy: the kubernetes target needs deploy.kubernetes"),
        (
            GOOD.replace("    prometheus-url: http://prometheus.monitoring:9090\n", ""),
            "exactly one of prometheus-url",
        ),
        (GOOD + "    prometheus-service: monitoring/prometheus:9090\n", "exactly one of prometheus-url"),
        (GOOD + "    credentials: aws-eks\n", "aws-eks needs aws-role, aws-region and eks-cluster"),
        (GOOD + "    aws-region: eu-west-1\n", "only apply to credentials: aws-eks"),
        (GOOD + '    queries: {errors: "sum(x{a=\\"$svc\\"})"}\n', "unknown $svc"),
        (GOOD.replace("namespace: ml", "namespace: ML_Team"), "deploy.kubernetes.namespace"),
        (GOOD + "    kubeconfig-secret: 'X }} ${{ github.token'\n", "deploy.kubernetes.kubeconfig-secret"),
        (GOOD + "    requests: {gpu: 1}\n", "deploy.kubernetes.requests"),
        (GOOD + "    tolerations: [{key: a, colour: blue}]\n", "deploy.kubernetes.tolerations[0]"),
    ],
)
def test_problems_are_located_and_explained(kubernetes: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        load(kubernetes)
    assert message in str(raised.value)


def test_the_local_target_ignores_kubernetes_settings_in_the_plan() -> None:
    spec = load(GOOD).model_copy(update={})
    local = load_spec_text(BASE.format(kubernetes=GOOD).replace("target: kubernetes", "target: local"), "x")[
        0
    ]
    assert resolve_plan(local).kubernetes is None and resolve_plan(spec).kubernetes is not None
