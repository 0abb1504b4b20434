"""A Kubernetes API double: a small HTTP server on 127.0.0.1 that the real `kubernetes` client talks to.

It is not a cluster. It enforces what the kubernetes target relies on, and nothing more:
- bearer-token authentication (401 without it);
- server-side apply (PATCH application/apply-patch+yaml) with field managers: each manager owns the leaf
  fields it applied (lists count as one field); applying a field another manager owns with a different
  value is a 409 Conflict naming the manager and field, unless force=true, which takes it over; fields a
  manager applied before and leaves out are removed; an apply that changes nothing changes no version;
- fieldValidation=Strict: every object is checked with kubernetes-validate --strict (Deployment, Service,
  ConfigMap, for `kubernetes_version`) or the vendored Gateway API HTTPRoute schema (unknown fields
  rejected), 422 on failure;
- PUT with a stale metadata.resourceVersion is a 409; POST of an existing name is a 409;
- a Deployment "controller": observedGeneration, updatedReplicas and availableReplicas advance by one pod
  per poll (GET or list); pods carry the template's labels; an image in `failing_images` never becomes
  available (its pods crash-loop) and its rollout passes the progress deadline after a few polls;
- a Gateway "controller": an HTTPRoute's status.parents reports Accepted (or, with `reject_routes`,
  NotAllowedByListeners) and ResolvedRefs for its latest generation one poll after each change;
- pod logs with sinceSeconds, and the service proxy to a registered Prometheus double.
No real scheduling, networking, admission, RBAC or CEL validation happens here.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.kubernetes.loopback import LoopbackServer
from tests.kubernetes.store import APIS, URL_PATH, ApiFailure, Key, Store, validate

# -- HTTP ---------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server: ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        store = self.server.store
        store.requests.append((method, url.path, query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if self.headers.get("Authorization") != f"Bearer {store.token}":
                raise ApiFailure(401, "Unauthorized", "Unauthorized")
            code, answer = self._route(method, url.path, query, raw)
        except ApiFailure as failure:
            code, answer = failure.code, _status(failure)
        self._send(code, answer)

    def _send(self, code: int, answer: Any) -> None:
        text = answer if isinstance(answer, str) else json.dumps(answer)
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> tuple[int, Any]:
        match = URL_PATH.match(path)
        if not match:
            raise ApiFailure(404, "NotFound", f"the server could not find the requested resource ({path})")
        kind = APIS.get((match["root"], match["gv"], match["plural"]))
        store = self.server.store
        if kind is None or (kind == "HTTPRoute" and not store.gateway_api_installed):
            raise ApiFailure(404, "NotFound", "the server could not find the requested resource")
        ns, name, sub = match["ns"], match["name"], match["sub"]
        if sub == "proxy":
            return 200, self._proxy(ns, name, match["rest"] or "/", query)
        if sub == "log":
            return 200, self._log(ns, name, query)
        store.tick(match["plural"], ns)
        key = (match["plural"], ns, name or "")
        if method == "GET":
            return self._get(key, query)
        if method == "DELETE":
            return 200, store.delete(key)
        body = json.loads(raw or b"{}")
        return self._write(method, key, kind, body, query)

    def _get(self, key: Key, query: dict[str, list[str]]) -> tuple[int, Any]:
        store = self.server.store
        if key[2]:
            found = store.get(*key)
            if found is None:
                raise ApiFailure(404, "NotFound", f'{key[0]} "{key[2]}" not found')
            return 200, found
        selector = dict(p.split("=", 1) for p in query.get("labelSelector", [""])[0].split(",") if p)
        return 200, {
            "kind": "List",
            "apiVersion": "v1",
            "metadata": {},
            "items": store.select(key[0], key[1], selector),
        }

    def _write(
        self, method: str, key: Key, kind: str, body: dict[str, Any], query: dict[str, list[str]]
    ) -> tuple[int, Any]:
        store = self.server.store
        manager = query.get("fieldManager", [""])[0]
        if kind == "Pod":
            raise ApiFailure(405, "MethodNotAllowed", "pods are created by the Deployment controller here")
        if method == "POST":
            key = (key[0], key[1], body.get("metadata", {}).get("name", ""))
        if body.get("kind") != kind or body.get("metadata", {}).get("name") != key[2]:
            raise ApiFailure(400, "BadRequest", f"the body is not the {kind} {key[2]} of the URL")
        if query.get("fieldValidation", ["Strict"])[0] == "Strict":
            validate(body, kind, store.kubernetes_version)
        if method == "PATCH":
            if self.headers.get("Content-Type") != "application/apply-patch+yaml":
                raise ApiFailure(
                    415, "UnsupportedMediaType", "only server-side apply patches are served here"
                )
            if not manager:
                raise ApiFailure(422, "Invalid", "fieldManager is required for apply requests")
            return 200, store.apply(key, body, manager, query.get("force", ["false"])[0] == "true")
        if method == "PUT":
            return 200, store.update(key, body, manager or "unknown")
        return 201, store.create(key, body, manager or "unknown")

    def _log(self, namespace: str, pod: str, query: dict[str, list[str]]) -> str:
        store = self.server.store
        found = store.get("pods", namespace, pod)
        if found is None:
            raise ApiFailure(404, "NotFound", f'pods "{pod}" not found')
        if not found["status"]["containerStatuses"][0]["ready"]:
            raise ApiFailure(400, "BadRequest", f'container "model" in pod "{pod}" is waiting to start')
        since = time.time() - float(query.get("sinceSeconds", ["1e9"])[0])
        with store.lock:
            lines = [line for at, line in store.logs.get((namespace, pod), []) if at >= since]
        return "".join(line + "\n" for line in lines)

    def _proxy(self, namespace: str, service: str, rest: str, query: dict[str, list[str]]) -> Any:
        parts = service.split(":")  # scheme:name:port
        if len(parts) != 3 or rest != "/api/v1/query":
            raise ApiFailure(404, "NotFound", f"no proxy for {service}{rest}")
        answer = self.server.store.proxies.get(f"{namespace}/{parts[1]}:{parts[2]}")
        if answer is None:
            raise ApiFailure(503, "ServiceUnavailable", f"no endpoints available for service {service}")
        return answer(query.get("query", [""])[0])


def _status(failure: ApiFailure) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": failure.message,
        "reason": failure.reason,
        "code": failure.code,
        "details": {"causes": failure.causes} if failure.causes else {},
    }


class ApiServer(LoopbackServer):
    """The double, serving on 127.0.0.1 on a free port until `stop`."""

    def __init__(self, store: Store | None = None) -> None:
        super().__init__(Handler, "k8s-api-double")
        self.store = store or Store()

    def kubeconfig(self, namespace: str) -> str:
        """A kubeconfig for the real client: this server, a bearer token, a default namespace."""
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "double",
                "clusters": [{"name": "double", "cluster": {"server": self.url}}],
                "users": [{"name": "deployer", "user": {"token": self.store.token}}],
                "contexts": [
                    {
                        "name": "double",
                        "context": {"cluster": "double", "user": "deployer", "namespace": namespace},
                    }
                ],
            }
        )
