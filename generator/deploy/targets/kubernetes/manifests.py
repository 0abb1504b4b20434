"""Render one environment's manifests (Deployment and Service per track, the HTTPRoute) from the Jinja
templates under `kubernetes/` in the template search path, then check them before anything is applied.

Rendering goes through the same TemplateSet as the workflows, so a platform team's override folder (or
`{% extends "builtin/kubernetes/deployment.yaml.j2" %}`) reaches the manifests too. Pure: no cluster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jsonschema import Draft202012Validator

from generator.deploy.release import Release
from generator.deploy.targets.base import CANDIDATE, STABLE
from generator.deploy.targets.kubernetes.names import RELEASE_ANNOTATION, Names, dns_label
from generator.errors import RenderError
from generator.render.context import template_context
from generator.render.templates import TemplateSet
from generator.resources import data_file
from generator.spec.model import ContainerSpec
from generator.spec.model import KubernetesTarget as KubernetesSettings

FOLDER = "kubernetes"
HTTPROUTE_SCHEMA = "gateway-api/httproute-v1.schema.json"
# template name -> (apiVersion, kind) it must render
KINDS = {
    "deployment": ("apps/v1", "Deployment"),
    "service": ("v1", "Service"),
    "httproute": ("gateway.networking.k8s.io/v1", "HTTPRoute"),
}


@dataclass(frozen=True)
class Routing:
    """Where users go: the candidate's share, and which track gets copies of requests (and how many)."""

    weight: int = 0
    mirror_to: str | None = None
    mirror_percent: int = 0


class Manifests:
    """The manifests of one environment, rendered from templates and checked."""

    def __init__(
        self,
        names: Names,
        settings: KubernetesSettings,
        container: ContainerSpec,
        templates: TemplateSet,
        health_timeout: float,
    ) -> None:
        self.names = names
        self.settings = settings
        self.container = container
        self.health_timeout = health_timeout
        self.templates = templates
        self._env = templates.environment()

    def deployment(self, track: str, release: Release) -> dict[str, Any]:
        if release.image is None:
            raise RenderError("the kubernetes target runs container images; this release has none")
        labels = {
            **self.names.selector(track),
            "app.kubernetes.io/version": label_value(release.version),
            "app.kubernetes.io/managed-by": "ci-gen",
        }
        context = {
            **self._common(track),
            "labels": labels,
            "image": release.image,
            "release_annotation": RELEASE_ANNOTATION,
            "release_json": release.model_dump_json(),
            "progress_deadline": max(60, int(self.health_timeout)),
            "startup_failures": max(1, int(self.health_timeout) // 5),
        }
        manifest = self._render("deployment", context)
        check_deployment(manifest, self.names.selector(track), release.image)
        return manifest

    def service(self, track: str) -> dict[str, Any]:
        labels = {**self.names.selector(track), "app.kubernetes.io/managed-by": "ci-gen"}
        manifest = self._render("service", {**self._common(track), "labels": labels})
        check_service(manifest, self.names.selector(track))
        return manifest

    def route(self, routing: Routing) -> dict[str, Any]:
        namespace, _, name = self.settings.gateway.rpartition("/")
        context = {
            "name": self.names.route,
            "namespace": self.names.namespace,
            "labels": {**self.names.selector(), "app.kubernetes.io/managed-by": "ci-gen"},
            "k8s": self.settings,
            "gateway": {"name": name, "namespace": namespace or None},
            "backends": self._backends(routing),
            "rule_mirror": self._mirror(routing) if routing.mirror_to == CANDIDATE else None,
        }
        manifest = self._render("httproute", context)
        check_route(manifest)
        return manifest

    def _backends(self, routing: Routing) -> list[dict[str, Any]]:
        stable = {"name": self.names.track(STABLE), "weight": 100 - routing.weight, "mirror": None}
        if routing.weight <= 0:
            return [stable]
        # Copies of the requests the candidate answered go to stable, so both predict the same requests.
        mirror = self._mirror(routing) if routing.mirror_to == STABLE else None
        return [stable, {"name": self.names.track(CANDIDATE), "weight": routing.weight, "mirror": mirror}]

    def _mirror(self, routing: Routing) -> dict[str, Any] | None:
        if routing.mirror_to is None or routing.mirror_percent <= 0:
            return None
        return {"name": self.names.track(routing.mirror_to), "percent": min(routing.mirror_percent, 100)}

    def _common(self, track: str) -> dict[str, Any]:
        return {
            "name": self.names.track(track),
            "namespace": self.names.namespace,
            "track": track,
            "selector": self.names.selector(track),
            "k8s": self.settings,
            "container": self.container,
        }

    def _render(self, kind: str, context: dict[str, Any]) -> dict[str, Any]:
        name = f"{FOLDER}/{kind}.yaml.j2"
        try:
            text = self._env.get_template(name).render(template_context(**context))
        except (TemplateError, SecurityError, TypeError, AttributeError, ValueError) as exc:
            raise RenderError(f"{name}: template error: {type(exc).__name__}: {exc}") from None
        try:
            manifest = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RenderError(f"{name} does not render to YAML: {exc}") from None
        return check_identity(manifest, name, KINDS[kind], (context["name"], self.names.namespace))


def label_value(text: str) -> str:
    """A label value: at most 63 of [A-Za-z0-9_.-], starting and ending alphanumeric."""
    return dns_label(text) if len(text) > 63 or not text[:1].isalnum() or not text[-1:].isalnum() else text


def check_identity(
    manifest: Any, template: str, kind: tuple[str, str], where: tuple[str, str]
) -> dict[str, Any]:
    """ci-gen finds its objects by kind, name and namespace: an override must not change them."""
    if not isinstance(manifest, dict):
        raise RenderError(f"{template} must render one mapping (a Kubernetes object)")
    rendered = (manifest.get("apiVersion"), manifest.get("kind"))
    if rendered != kind:
        raise RenderError(
            f"{template} renders {'/'.join(map(str, rendered))}; ci-gen expects {'/'.join(kind)}"
        )
    metadata = manifest.get("metadata") or {}
    name, namespace = where
    if metadata.get("name") != name or metadata.get("namespace") != namespace:
        raise RenderError(f"{template} must keep metadata.name '{name}' and metadata.namespace '{namespace}'")
    return manifest


def check_deployment(manifest: dict[str, Any], selector: dict[str, str], image: str) -> None:
    spec = manifest.get("spec") or {}
    pod = (spec.get("template") or {}).get("metadata") or {}
    if (spec.get("selector") or {}).get("matchLabels") != selector:
        raise RenderError(f"the Deployment's selector must be exactly {selector} (ci-gen finds pods by it)")
    for where, labels in (("labels", manifest["metadata"].get("labels")), ("pod labels", pod.get("labels"))):
        if any((labels or {}).get(k) != v for k, v in selector.items()):
            raise RenderError(f"the Deployment's {where} must include {selector} (ci-gen finds it by them)")
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    if not any(isinstance(c, dict) and c.get("image") == image for c in containers):
        raise RenderError(f"no container of the Deployment runs {image}")
    if RELEASE_ANNOTATION not in ((manifest.get("metadata") or {}).get("annotations") or {}):
        raise RenderError(f"the Deployment lost its {RELEASE_ANNOTATION} annotation")


def check_service(manifest: dict[str, Any], selector: dict[str, str]) -> None:
    if (manifest.get("spec") or {}).get("selector") != selector:
        raise RenderError(f"the Service's selector must be exactly {selector}")


def check_route(manifest: dict[str, Any]) -> None:
    """Validate against the Gateway API's HTTPRoute schema (vendored; its CEL rules are not evaluated)."""
    errors = sorted(_route_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise RenderError(
            f"the HTTPRoute does not fit the Gateway API schema at {where}: {errors[0].message}"
        )


@cache
def _route_validator() -> Draft202012Validator:
    schema = json.loads(data_file(HTTPROUTE_SCHEMA).read_text(encoding="utf-8"))
    return Draft202012Validator(strict(schema))


def strict(schema: Any) -> Any:
    """The schema with unknown fields rejected, as an API server does with fieldValidation=Strict
    (a CRD's structural schema lists every field it keeps)."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    open_ended = "additionalProperties" in schema or schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in schema and not open_ended:
        result["additionalProperties"] = False
    return result
