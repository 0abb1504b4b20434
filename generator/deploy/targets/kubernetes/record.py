"""The deploy state kept in the cluster (a ConfigMap next to the tracks), so that a deploy job on a fresh
runner knows what is stable, and resumes or settles a deploy a cancelled job left in flight.

The driver's local state file is a cache of it: pulled before a deploy starts, pushed after every change
the target makes. Writes carry the resourceVersion last read, so two writers cannot silently overwrite
each other: the second gets a 409 and stops.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from generator.deploy.state import EnvState
from generator.deploy.targets.kubernetes.api import CONFIGMAP, Cluster, Conflict
from generator.deploy.targets.kubernetes.names import Names
from generator.errors import DeployError

KEY = "state.json"


class ClusterRecord:
    """Reads and writes one environment's state ConfigMap."""

    def __init__(self, cluster: Cluster, names: Names) -> None:
        self.cluster = cluster
        self.names = names
        self.version: str | None = None  # resourceVersion last read or written; None: not there yet
        self.pushed: str | None = None

    def pull(self) -> EnvState | None:
        found = self.cluster.get(CONFIGMAP, self.names.state)
        if found is None:
            return None
        self.version = found["metadata"].get("resourceVersion")
        text = (found.get("data") or {}).get(KEY, "")
        try:
            state = EnvState.model_validate_json(text)
        except (ValidationError, ValueError) as exc:
            raise DeployError(
                f"the deploy state in ConfigMap {self.names.namespace}/{self.names.state} is unreadable: "
                f"{exc.__class__.__name__}",
                hint="inspect it; if the environment is stopped, delete the ConfigMap to start afresh",
            ) from None
        self.pushed = state.model_dump_json()
        return state

    def push(self, state: EnvState) -> None:
        text = state.model_dump_json()
        if text == self.pushed:
            return
        manifest = self._manifest(text)
        try:
            written = self.cluster.replace(manifest) if self.version else self.cluster.create(manifest)
        except Conflict:
            raise DeployError(
                f"the deploy state of '{state.environment}' changed in the cluster while this deploy ran",
                hint="another deploy of this environment is running (or ran); let it finish, then rerun",
            ) from None
        self.version = written["metadata"].get("resourceVersion")
        self.pushed = text

    def _manifest(self, text: str) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "name": self.names.state,
            "namespace": self.names.namespace,
            "labels": {**self.names.selector(), "app.kubernetes.io/managed-by": "ci-gen"},
        }
        if self.version:
            metadata["resourceVersion"] = self.version
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {KEY: text}}
