"""Finding 1 (high): a template override must not reach objects with methods.

On main a template could call `plan.kubernetes.parse_raw(..., proto="pickle", allow_pickle=True)` (a
pydantic model's public method), which unpickles its argument and so runs any code. Templates now see
plain immutable data only; the second test walks every context every template receives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
import pytest
from jinja2.defaults import DEFAULT_NAMESPACE
from jinja2.filters import FILTERS
from jinja2.sandbox import safe_range
from jinja2.tests import TESTS

from generator.deploy.release import image_release
from generator.deploy.targets.base import CANDIDATE, STABLE
from generator.deploy.targets.kubernetes.manifests import Manifests, Routing
from generator.deploy.targets.kubernetes.names import Names
from generator.render.context import PLAIN_LEAVES
from generator.render.templates import TemplateSet, github_expression, quote_filter
from generator.spec.model import ContainerSpec, KubernetesTarget
from tests.conftest import golden_cases
from tests.helpers import EXAMPLE, run
from tests.security.conftest import PICKLE_PAYLOAD, override_project
from tests.test_golden import render_case

IMAGE = "ghcr.io/acme/iris@sha256:" + "a" * 64
# Every callable a template may reach: Jinja's own defaults and the filter and global ci-gen defines.
ALLOWED_GLOBALS = {**DEFAULT_NAMESPACE, "range": safe_range, "gh": github_expression}
ALLOWED_FILTERS = {**FILTERS, "q": quote_filter}
ALLOWED_TESTS = dict(TESTS)


def _attack(marker: Path, obj: str) -> str:
    payload = PICKLE_PAYLOAD.format(marker=marker)
    return f'{{{{ {obj}.parse_raw("{payload}", proto="pickle", allow_pickle=True) }}}}'


def test_a_workflow_override_cannot_call_model_methods(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    override = '{% extends "builtin/ci-gen.yml.j2" %}\n{% block env %}' + _attack(marker, "plan.kubernetes")
    project = override_project(tmp_path, "kubernetes", {"ci-gen.yml.j2": override + "{% endblock %}\n"})
    result = run(["-C", str(project), "generate"])
    assert not marker.exists(), "the template ran code through a model method"
    assert result.exit_code == 2, result.output
    assert "template error" in result.output
    assert not (project / ".github").exists()


def test_a_manifest_override_cannot_call_model_methods(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    builtin = (TemplateSet().builtin / "kubernetes/service.yaml.j2").read_text()
    override = "{% set ignored = " + _attack(marker, "k8s")[3:-3] + " %}\n" + builtin
    project = override_project(tmp_path, "kubernetes", {"kubernetes/service.yaml.j2": override})
    result = run(["-C", str(project), "manifests", "--stage", "staging", "--image", IMAGE])
    assert not marker.exists(), "the manifest template ran code through a model method"
    assert result.exit_code == 2, result.output


@pytest.fixture(scope="module")
def contexts() -> list[tuple[str, dict[str, Any]]]:
    """Every context handed to a template while rendering each golden case, the example and the
    manifests of every kind and routing."""
    seen: list[tuple[str, dict[str, Any]]] = []
    original = jinja2.Template.render

    def recording(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        seen.append((str(self.name), dict(*args, **kwargs)))
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Template, "render", recording)
        for case in [*golden_cases(), EXAMPLE]:
            render_case(case)
        _render_all_manifests()
    return seen


def _render_all_manifests() -> None:
    settings = KubernetesTarget.model_validate(
        {
            "namespace": "ml",
            "gateway": "infra/public",
            "prometheus-service": "monitoring/prometheus:9090",
            "tolerations": [{"key": "gpu", "operator": "Exists"}],
        }
    )
    names = Names("iris", "production", "ml")
    manifests = Manifests(names, settings, ContainerSpec(), TemplateSet(), settings.health_timeout)
    for track in (STABLE, CANDIDATE):
        manifests.deployment(track, image_release(IMAGE))
        manifests.service(track)
    for routing in (Routing(weight=10), Routing(mirror_to=CANDIDATE, mirror_percent=50)):
        manifests.route(routing)


def _not_plain(value: Any, path: str) -> Iterator[str]:
    """Everything reachable from `value` that is not plain immutable data, by where it was found."""
    if type(value) in PLAIN_LEAVES:
        return
    if type(value) is MappingProxyType:
        for key, item in value.items():
            if type(key) not in (str, int):
                yield f"{path} key {key!r}: {type(key).__name__}"
            yield from _not_plain(item, f"{path}.{key}")
    elif type(value) is tuple:
        for i, item in enumerate(value):
            yield from _not_plain(item, f"{path}[{i}]")
    else:
        yield f"{path}: {type(value).__name__}" + (" (callable)" if callable(value) else "")


def test_every_template_context_is_plain_data(contexts: list[tuple[str, dict[str, Any]]]) -> None:
    names = {name for name, _ in contexts}
    assert any(n.startswith("kubernetes/") for n in names) and "ci-gen.yml.j2" in names
    problems = [p for name, ctx in contexts for key, v in ctx.items() for p in _not_plain(v, f"{name}:{key}")]
    assert problems == []


def test_only_allow_listed_callables_reach_templates() -> None:
    env = TemplateSet().environment()
    assert {k for k, v in env.globals.items() if ALLOWED_GLOBALS.get(k) is not v} == set()
    assert {k for k, v in env.filters.items() if ALLOWED_FILTERS.get(k) is not v} == set()
    assert {k for k, v in env.tests.items() if ALLOWED_TESTS.get(k) is not v} == set()
