"""The kubernetes target: the same strategies on a cluster, a Deployment and Service per track behind one
Gateway API HTTPRoute (weighted backendRefs, RequestMirror), judged from Prometheus and the pods' logs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator.deploy.state import Session
from generator.deploy.targets.kubernetes.api import Cluster, connect
from generator.deploy.targets.kubernetes.manifests import Manifests
from generator.deploy.targets.kubernetes.metrics import DirectPrometheus, ProxiedPrometheus, Queries, Query
from generator.deploy.targets.kubernetes.names import Names
from generator.deploy.targets.kubernetes.target import KubernetesTarget
from generator.deploy_plan import DeployPlan
from generator.errors import UsageError
from generator.render.templates import TemplateSet
from generator.spec.model import KubernetesTarget as KubernetesSettings
from generator.spec.model import Spec

if TYPE_CHECKING:
    from generator.deploy.targets import Environment


def kubernetes_settings(spec: Spec) -> KubernetesSettings:
    if spec.deploy is None or spec.deploy.kubernetes is None:
        raise UsageError(
            "deploy.kubernetes is missing: the kubernetes target needs a namespace, a Gateway and Prometheus",
            hint="see docs/kubernetes.md for a complete example",
        )
    return spec.deploy.kubernetes


def manifests_for(spec: Spec, stage: DeployPlan, templates: TemplateSet) -> Manifests:
    """The manifest renderer of one stage's environment."""
    settings = kubernetes_settings(spec)
    names = Names(spec.project, stage.environment, settings.namespace)
    assert spec.container is not None
    return Manifests(names, settings, spec.container, templates, stage.health_timeout)


def make_kubernetes_target(
    session: Session, environment: Environment, extra_templates: Sequence[Path] = ()
) -> KubernetesTarget:
    spec = environment.spec
    settings = kubernetes_settings(spec)
    folders = (*extra_templates, *(environment.root / t for t in spec.template_folders))
    manifests = manifests_for(spec, environment.plan, TemplateSet(folders))

    def prometheus(cluster: Cluster) -> Query:
        if settings.prometheus_url is not None:
            return DirectPrometheus(
                settings.prometheus_url, token_over_http=settings.prometheus_token_over_http
            )
        assert settings.prometheus_service is not None
        return ProxiedPrometheus(cluster, settings.prometheus_service)

    return KubernetesTarget(
        session,
        manifests,
        lambda: connect(settings.namespace),
        prometheus,
        Queries.of(settings.metrics, {str(name): query for name, query in settings.queries.items()}),
        force_conflicts=settings.force_conflicts,
    )
