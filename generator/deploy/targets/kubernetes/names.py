"""Names and labels of one environment's Kubernetes resources: derived, never stored, so every run (and
`ci-gen manifests`) finds the same objects."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from generator.deploy.targets.base import CANDIDATE, STABLE

FIELD_MANAGER = "ci-gen"
LABEL_PREFIX = "ci-gen.dev"
RELEASE_ANNOTATION = f"{LABEL_PREFIX}/release"  # the Release as JSON: what a track runs
TRACKS = (STABLE, CANDIDATE)
_INVALID = re.compile(r"[^a-z0-9-]+")


def dns_label(text: str, limit: int = 63) -> str:
    """`text` as a DNS-1123 label of at most `limit` characters; a shortened name keeps a hash of the whole,
    so two long names that share a prefix stay distinct."""
    label = _INVALID.sub("-", text.lower()).strip("-") or "x"
    if len(label) <= limit:
        return label
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{label[: limit - 9].rstrip('-')}-{digest}"


@dataclass(frozen=True)
class Names:
    """Every name ci-gen gives one environment's objects in its namespace."""

    project: str
    environment: str
    namespace: str

    @property
    def base(self) -> str:
        # Service names are DNS-1035 labels (63 characters, a letter first); "-candidate" must still fit.
        base = f"{self.project}-{self.environment}"
        return dns_label(base if base[0].isalpha() else f"m-{base}", 63 - len("-candidate"))

    def track(self, track: str) -> str:
        """The Deployment and the Service of a track share this name."""
        return f"{self.base}-{track}"

    @property
    def route(self) -> str:
        return self.base

    @property
    def state(self) -> str:
        return f"{self.base}-ci-gen-state"

    @property
    def environment_label(self) -> str:
        return dns_label(self.environment)

    def selector(self, track: str | None = None) -> dict[str, str]:
        """Labels that pick this environment's pods (of one track, when given)."""
        labels = {
            "app.kubernetes.io/name": dns_label(self.project),
            f"{LABEL_PREFIX}/environment": self.environment_label,
        }
        if track is not None:
            labels[f"{LABEL_PREFIX}/track"] = track
        return labels

    def label_selector(self, track: str | None = None) -> str:
        return ",".join(f"{key}={value}" for key, value in self.selector(track).items())
