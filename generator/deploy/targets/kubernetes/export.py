"""`ci-gen manifests` as a function: the manifests a stage would apply, for clusters that a GitOps tool
(Argo CD, Flux) drives from a repository instead of ci-gen applying them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.deploy.release import image_release
from generator.deploy.stages import find_stage
from generator.deploy.state import atomic_write
from generator.deploy.targets.base import CANDIDATE, STABLE
from generator.deploy.targets.kubernetes import manifests_for
from generator.deploy.targets.kubernetes.manifests import Routing
from generator.errors import UsageError
from generator.project import Loaded


@dataclass(frozen=True)
class ManifestRequest:
    """What to render: the stable image, and optionally a candidate with its share of users or copies."""

    stage: str
    image: str
    candidate: str | None = None
    weight: int = 0
    mirror: int = 0


def render_manifests(loaded: Loaded, request: ManifestRequest) -> list[dict[str, Any]]:
    """Services, Deployments and the HTTPRoute, in the order they can be applied."""
    stage = find_stage(loaded, request.stage)
    if request.candidate is None and (request.weight or request.mirror):
        raise UsageError("--weight and --mirror route to a candidate; pass --candidate IMAGE too")
    if request.weight and request.mirror:
        raise UsageError("pass --weight (canary) or --mirror (shadow), not both")
    manifests = manifests_for(loaded.spec, stage, loaded.templates)
    releases = {STABLE: image_release(request.image)}
    if request.candidate is not None:
        releases[CANDIDATE] = image_release(request.candidate)
    found = [manifests.service(track) for track in releases]
    found += [manifests.deployment(track, release) for track, release in releases.items()]
    mirror_to = CANDIDATE if request.mirror else None
    return [*found, manifests.route(Routing(request.weight, mirror_to, request.mirror))]


def as_yaml(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, default_flow_style=False, width=1000)


def stream(manifests: list[dict[str, Any]]) -> Iterator[str]:
    """One multi-document YAML stream."""
    for manifest in manifests:
        yield "---\n" + as_yaml(manifest)


def write(manifests: list[dict[str, Any]], folder: Path) -> list[Path]:
    """One file per object, `<name>.<kind>.yaml`, written atomically; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for manifest in manifests:
        path = folder / f"{manifest['metadata']['name']}.{manifest['kind'].lower()}.yaml"
        atomic_write(path, as_yaml(manifest))
        written.append(path)
    return written
