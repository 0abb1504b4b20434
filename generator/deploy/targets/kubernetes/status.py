"""Reading object status the way `kubectl rollout status` and a Gateway API client do. Pure functions over
the API's JSON, so each rule is tested on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A pod stuck in one of these will not get better by waiting.
HOPELESS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
    }
)
TOLERATED_UNRESOLVED = frozenset({"BackendNotFound"})  # a Service about to be created, or just deleted


@dataclass(frozen=True)
class Progress:
    """Where a rollout (or a route change) stands: done, failed with a reason, or still going."""

    done: bool = False
    failure: str | None = None
    note: str = ""


def rollout(deployment: dict[str, Any]) -> Progress:
    """The Deployment's rollout: done once the controller saw the latest spec and every replica is updated
    and available (no old pod left); failed when its progress deadline passed."""
    metadata, spec, status = (deployment.get(k) or {} for k in ("metadata", "spec", "status"))
    if status.get("observedGeneration", 0) < metadata.get("generation", 1):
        return Progress(note="waiting for the controller to see the new spec")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return Progress(failure=f"rollout exceeded its progress deadline: {condition.get('message', '')}")
        if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
            return Progress(failure=f"cannot create pods: {condition.get('message', '')}")
    wanted = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    if updated < wanted:
        return Progress(note=f"{updated} of {wanted} pods updated")
    if status.get("replicas", 0) > updated:
        return Progress(note=f"{status.get('replicas', 0) - updated} old pods terminating")
    available = status.get("availableReplicas", 0)
    if available < updated:
        return Progress(note=f"{available} of {updated} updated pods available")
    return Progress(done=True)


def hopeless_pod(pods: list[dict[str, Any]]) -> str | None:
    """Why a pod of the track cannot start (image pull, crash loop), if one cannot."""
    for pod in pods:
        for container in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in HOPELESS:
                name = (pod.get("metadata") or {}).get("name", "?")
                return f"pod {name}: {waiting['reason']}: {waiting.get('message', '')}".rstrip(": ")
    return None


def route(httproute: dict[str, Any], gateway: str, gateway_namespace: str) -> Progress:
    """The HTTPRoute as the Gateway's controller reports it: done once it accepted this generation."""
    generation = (httproute.get("metadata") or {}).get("generation", 1)
    for parent in (httproute.get("status") or {}).get("parents") or []:
        ref = parent.get("parentRef") or {}
        if ref.get("name") != gateway or ref.get("namespace", gateway_namespace) != gateway_namespace:
            continue
        conditions = {c.get("type"): c for c in parent.get("conditions") or []}
        return _parent(conditions, generation)
    return Progress(note="no status from the Gateway's controller yet")


def _parent(conditions: dict[str, dict[str, Any]], generation: int) -> Progress:
    accepted = conditions.get("Accepted") or {}
    if accepted.get("observedGeneration", 0) < generation:
        return Progress(note="the Gateway's controller has not seen this change yet")
    if accepted.get("status") != "True":
        return Progress(failure=f"the Gateway did not accept the route: {_why(accepted)}")
    resolved = conditions.get("ResolvedRefs") or {}
    if resolved.get("status") == "False" and resolved.get("reason") not in TOLERATED_UNRESOLVED:
        return Progress(failure=f"the route's backends do not resolve: {_why(resolved)}")
    return Progress(done=True)


def _why(condition: dict[str, Any]) -> str:
    return f"{condition.get('reason', 'unknown')}: {condition.get('message', '')}".rstrip(": ")
