"""The API double's state and behaviour: objects, field ownership, the controllers, validation.
See apiserver.py for what the double enforces and what it does not."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import kubernetes_validate
from jsonschema import Draft202012Validator

from generator.deploy.targets.kubernetes.manifests import strict
from generator.resources import data_file

APIS = {
    ("api", "v1", "services"): "Service",
    ("api", "v1", "configmaps"): "ConfigMap",
    ("api", "v1", "pods"): "Pod",
    ("apis", "apps/v1", "deployments"): "Deployment",
    ("apis", "gateway.networking.k8s.io/v1", "httproutes"): "HTTPRoute",
}
URL_PATH = re.compile(
    r"^/(?P<root>api|apis)/(?P<gv>v1|[a-z0-9.]+/v1)/namespaces/(?P<ns>[a-z0-9-]+)/(?P<plural>[a-z]+)"
    r"(?:/(?P<name>[^/]+)(?:/(?P<sub>log|proxy)(?P<rest>/.*)?)?)?$"
)
Key = tuple[str, str, str]  # (plural, namespace, name)
Path = tuple[str, ...]
UNMANAGED = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}


class ApiFailure(Exception):
    def __init__(
        self, code: int, reason: str, message: str, causes: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.causes = code, reason, message, causes or []


@dataclass
class Rollout:
    generation: int
    image: str
    updated: int = 0
    polls: int = 0
    had_pods: bool = False


@dataclass
class Store:
    """The double's whole state; tests read and change it directly."""

    token: str = "test-token"
    kubernetes_version: str = "1.29.0"
    failing_images: set[str] = field(default_factory=set)
    reject_routes: bool = False
    gateway_api_installed: bool = True
    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    owners: dict[Key, dict[str, dict[Path, Any]]] = field(default_factory=dict)
    rollouts: dict[Key, Rollout] = field(default_factory=dict)
    route_seen: dict[Key, int] = field(default_factory=dict)
    logs: dict[tuple[str, str], list[tuple[float, str]]] = field(default_factory=dict)
    proxies: dict[str, Callable[[str], dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    version: int = 100
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- reading ------------------------------------------------------------------------------------

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.objects.get((plural, namespace, name))
            return json.loads(json.dumps(found)) if found is not None else None

    def select(self, plural: str, namespace: str, selector: dict[str, str]) -> list[dict[str, Any]]:
        with self.lock:
            return [
                json.loads(json.dumps(obj))
                for (p, ns, _), obj in sorted(self.objects.items())
                if p == plural and ns == namespace and _matches(obj, selector)
            ]

    def append_log(self, namespace: str, pod: str, line: str) -> None:
        with self.lock:
            self.logs.setdefault((namespace, pod), []).append((time.time(), line))

    # -- writing ------------------------------------------------------------------------------------

    def apply(self, key: Key, body: dict[str, Any], manager: str, force: bool) -> dict[str, Any]:
        with self.lock:
            current = self.objects.get(key)
            new = leaves(body)
            owners = self.owners.setdefault(key, {})
            merged = self._merge(key, current, new, manager, force) if current is not None else new
            owners[manager] = new
            return self._store(key, current, unflatten(merged), body)

    def _merge(
        self, key: Key, current: dict[str, Any], new: dict[Path, Any], manager: str, force: bool
    ) -> dict[Path, Any]:
        existing = leaves(current)
        owners = self.owners[key]
        conflicts = [
            (other, path)
            for other, owned in owners.items()
            if other != manager
            for path in owned
            if path in new and existing.get(path) != new[path]
        ]
        if conflicts and not force:
            causes = [
                {"type": "FieldManagerConflict", "message": f'conflict with "{m}"', "field": _dotted(p)}
                for m, p in conflicts
            ]
            text = "; ".join(f'conflict with "{m}": {_dotted(p)}' for m, p in conflicts)
            raise ApiFailure(
                409, "Conflict", f"Apply failed with {len(conflicts)} conflict(s): {text}", causes
            )
        for other, path in conflicts:
            owners[other].pop(path, None)
        merged = dict(existing)
        for path in owners.get(manager, {}):
            if path not in new and not any(path in o for m, o in owners.items() if m != manager):
                merged.pop(path, None)
        merged.update(new)
        return merged

    def update(self, key: Key, body: dict[str, Any], manager: str) -> dict[str, Any]:
        with self.lock:
            current = self.objects.get(key)
            if current is None:
                raise ApiFailure(404, "NotFound", f'{key[0]} "{key[2]}" not found')
            wanted = body.get("metadata", {}).get("resourceVersion")
            if wanted is not None and wanted != current["metadata"]["resourceVersion"]:
                raise ApiFailure(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {key[0]} "{key[2]}": the object has been modified; '
                    "please apply your changes to the latest version and try again",
                )
            before, after = leaves(current), leaves(body)
            owners = self.owners.setdefault(key, {})
            changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
            for owned in owners.values():
                for path in changed:
                    owned.pop(path, None)
            owners.setdefault(manager, {}).update({p: after[p] for p in changed if p in after})
            return self._store(key, current, unflatten(after), body)

    def create(self, key: Key, body: dict[str, Any], manager: str) -> dict[str, Any]:
        with self.lock:
            if key in self.objects:
                raise ApiFailure(409, "AlreadyExists", f'{key[0]} "{key[2]}" already exists')
            self.owners[key] = {manager: leaves(body)}
            return self._store(key, None, unflatten(leaves(body)), body)

    def delete(self, key: Key) -> dict[str, Any]:
        with self.lock:
            found = self.objects.pop(key, None)
            if found is None:
                raise ApiFailure(404, "NotFound", f'{key[0]} "{key[2]}" not found')
            self.owners.pop(key, None)
            self.rollouts.pop(key, None)
            if key[0] == "deployments":
                self._delete_pods(key)
            return found

    def _store(
        self, key: Key, current: dict[str, Any] | None, content: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        _plural, namespace, name = key
        meta = content.setdefault("metadata", {})
        meta.update(name=name, namespace=namespace)
        content.setdefault("apiVersion", body.get("apiVersion"))
        content.setdefault("kind", body.get("kind"))
        old = current or {}
        content["status"] = old.get("status", {})
        generation = old.get("metadata", {}).get("generation", 0)
        spec_changed = content.get("spec") != old.get("spec") or current is None
        meta["generation"] = generation + 1 if spec_changed else generation
        if current is not None and _without_versions(content) == _without_versions(current):
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        else:
            self.version += 1
            meta["resourceVersion"] = str(self.version)
        meta["managedFields"] = [
            {
                "manager": m,
                "operation": "Apply",
                "fieldsType": "FieldsV1",
                "fieldsV1": {_dotted(p): {} for p in o},
            }
            for m, o in sorted(self.owners.get(key, {}).items())
        ]
        self.objects[key] = content
        return json.loads(json.dumps(content))

    # -- controllers --------------------------------------------------------------------------------

    def tick(self, plural: str, namespace: str) -> None:
        """One poll's worth of controller progress for every Deployment and HTTPRoute of the namespace."""
        with self.lock:
            for key in [k for k in self.objects if k[1] == namespace]:
                if key[0] == "deployments" and plural in ("deployments", "pods"):
                    self._advance_deployment(key)
                if key[0] == "httproutes" and plural == "httproutes":
                    self._advance_route(key)

    def _advance_deployment(self, key: Key) -> None:
        deployment = self.objects[key]
        generation = deployment["metadata"]["generation"]
        replicas = deployment["spec"].get("replicas", 1)
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        rollout = self.rollouts.get(key)
        if rollout is None or rollout.generation != generation:
            had = rollout is not None and rollout.updated > 0
            rollout = self.rollouts[key] = Rollout(generation, image, had_pods=had)
            return  # the controller sees the new spec on the next poll
        rollout.polls += 1
        failing = image in self.failing_images
        if not failing and rollout.updated < replicas:
            rollout.updated += 1
        old = replicas - rollout.updated if rollout.had_pods else 0
        conditions = []
        if failing and rollout.polls >= 3:
            conditions.append(
                {
                    "type": "Progressing",
                    "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": f'ReplicaSet "{key[2]}" has timed out progressing.',
                }
            )
        deployment["status"] = {
            "observedGeneration": generation,
            "replicas": rollout.updated + old + (1 if failing else 0),
            "updatedReplicas": rollout.updated + (1 if failing else 0),
            "readyReplicas": rollout.updated + old,
            "availableReplicas": rollout.updated + old,
            "conditions": conditions,
        }
        self._sync_pods(key, deployment, rollout, old, failing)

    def _sync_pods(
        self, key: Key, deployment: dict[str, Any], rollout: Rollout, old: int, failing: bool
    ) -> None:
        template = deployment["spec"]["template"]
        wanted = {
            f"{key[2]}-g{rollout.generation}-{i}" for i in range(rollout.updated + (1 if failing else 0))
        }
        current = {
            k[2] for k in self.objects if k[0] == "pods" and k[1] == key[1] and k[2].startswith(key[2] + "-g")
        }
        stale = sorted(current - wanted, key=lambda n: n)[: max(0, len(current - wanted) - old)]
        for name in stale:
            self.objects.pop(("pods", key[1], name), None)
            self.logs.pop((key[1], name), None)
        for name in wanted - current:
            state = (
                {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting"}}
                if failing
                else {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
            )
            self.objects[("pods", key[1], name)] = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": name,
                    "namespace": key[1],
                    "labels": dict(template["metadata"]["labels"]),
                },
                "spec": {"containers": [{"name": "model", "image": rollout.image}]},
                "status": {
                    "phase": "Running",
                    "containerStatuses": [
                        {"name": "model", "image": rollout.image, "ready": not failing, "state": state}
                    ],
                },
            }

    def _delete_pods(self, key: Key) -> None:
        for pod in [
            k for k in self.objects if k[0] == "pods" and k[1] == key[1] and k[2].startswith(key[2] + "-g")
        ]:
            del self.objects[pod]
            self.logs.pop((key[1], pod[2]), None)

    def _advance_route(self, key: Key) -> None:
        route = self.objects[key]
        generation = route["metadata"]["generation"]
        if self.route_seen.get(key) != generation:
            self.route_seen[key] = generation  # the controller reports on the next poll
            return
        parent = dict(route["spec"]["parentRefs"][0])
        parent.setdefault("namespace", key[1])
        missing = [
            ref["name"]
            for rule in route["spec"].get("rules", [])
            for ref in rule.get("backendRefs", [])
            if ("services", key[1], ref["name"]) not in self.objects
        ]
        accepted = ("False", "NotAllowedByListeners") if self.reject_routes else ("True", "Accepted")
        resolved = ("False", "BackendNotFound") if missing else ("True", "ResolvedRefs")
        route["status"] = {
            "parents": [
                {
                    "parentRef": parent,
                    "controllerName": "example.net/gateway-controller",
                    "conditions": [
                        _condition("Accepted", *accepted, generation),
                        _condition(
                            "ResolvedRefs", *resolved, generation, f"missing: {missing}" if missing else ""
                        ),
                    ],
                }
            ]
        }


def _condition(kind: str, status: str, reason: str, generation: int, message: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }


def _matches(obj: dict[str, Any], selector: dict[str, str]) -> bool:
    labels = obj.get("metadata", {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _without_versions(obj: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(obj))
    for key in ("resourceVersion", "managedFields", "generation"):
        copy.get("metadata", {}).pop(key, None)
    return copy


def _dotted(path: Path) -> str:
    return "." + ".".join(path)


def leaves(obj: dict[str, Any], prefix: Path = ()) -> dict[Path, Any]:
    """The managed leaf fields of an object: nested mappings are walked, lists are single values."""
    found: dict[Path, Any] = {}
    for key, value in obj.items():
        path = (*prefix, key)
        if (
            path in UNMANAGED
            or path[0] == "status"
            or path[:2]
            in (("metadata", "resourceVersion"), ("metadata", "generation"), ("metadata", "managedFields"))
        ):
            continue
        if isinstance(value, dict) and value:
            found.update(leaves(value, path))
        else:
            found[path] = value
    return found


def unflatten(flat: dict[Path, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for path, value in sorted(flat.items()):
        node = result
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = json.loads(json.dumps(value))
    return result


# -- validation ---------------------------------------------------------------------------------------

_ROUTE = Draft202012Validator(
    strict(json.loads(data_file("gateway-api/httproute-v1.schema.json").read_text()))
)


def validate(body: dict[str, Any], kind: str, version: str) -> None:
    """fieldValidation=Strict: the object as sent must fit its schema with no unknown field."""
    if kind == "HTTPRoute":
        errors = sorted(_ROUTE.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            where = ".".join(str(p) for p in errors[0].absolute_path)
            raise ApiFailure(
                422,
                "Invalid",
                f"HTTPRoute.gateway.networking.k8s.io is invalid: {where}: {errors[0].message}",
            )
        return
    try:
        kubernetes_validate.validate(body, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path)
        raise ApiFailure(422, "Invalid", f"{kind} is invalid: {where}: {exc.message}") from None
