"""The few Kubernetes API calls the target makes, over the official client's ApiClient (kubeconfig and
in-cluster loading, exec-plugin auth such as `aws eks get-token`, TLS), with plain dicts in and out.

Every change is a server-side apply under one field manager (`ci-gen`), with fieldValidation=Strict, so a
rerun converges and a field ci-gen does not know is refused instead of dropped. Errors become DeployErrors
that say what to do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.deploy.targets.kubernetes.names import FIELD_MANAGER
from generator.errors import DeployError, UsageError

APPLY = "application/apply-patch+yaml"  # JSON is YAML, so the body is sent as JSON
TIMEOUT = 30.0


@dataclass(frozen=True)
class Kind:
    """Where a namespaced kind lives in the API."""

    kind: str
    api: str
    plural: str

    def path(self, namespace: str, name: str | None = None, sub: str | None = None) -> str:
        path = f"{self.api}/namespaces/{namespace}/{self.plural}"
        return path + (f"/{name}" if name else "") + (f"/{sub}" if sub else "")


DEPLOYMENT = Kind("Deployment", "/apis/apps/v1", "deployments")
SERVICE = Kind("Service", "/api/v1", "services")
CONFIGMAP = Kind("ConfigMap", "/api/v1", "configmaps")
POD = Kind("Pod", "/api/v1", "pods")
HTTPROUTE = Kind("HTTPRoute", "/apis/gateway.networking.k8s.io/v1", "httproutes")
KINDS = {kind.kind: kind for kind in (DEPLOYMENT, SERVICE, CONFIGMAP, POD, HTTPROUTE)}


class ApiError(DeployError):
    """The API server refused a request; `status` is its HTTP status (0: it could not be reached)."""

    def __init__(self, message: str, *, status: int, reason: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.reason = reason


class Conflict(ApiError):
    """409: another field manager owns a field, or the object changed since it was read."""


class Cluster:
    """One namespace of one cluster, as the target uses it."""

    def __init__(self, client: Any, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    @property
    def host(self) -> str:
        return str(self.client.configuration.host)

    # -- objects ------------------------------------------------------------------------------------

    def get(self, kind: Kind, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.request("GET", kind.path(self.namespace, name))
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return found

    def apply(self, manifest: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
        """Server-side apply: ci-gen owns exactly the fields in `manifest`; fields it applied before and
        left out now are removed. Without `force`, a field another manager owns is a Conflict."""
        kind = KINDS[manifest["kind"]]
        query = [("fieldManager", FIELD_MANAGER), ("fieldValidation", "Strict")]
        if force:
            query.append(("force", "true"))
        path = kind.path(self.namespace, manifest["metadata"]["name"])
        applied: dict[str, Any] = self.request("PATCH", path, query=query, body=manifest, content_type=APPLY)
        return applied

    def replace(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """PUT with the resourceVersion read before: a Conflict if anyone changed the object since."""
        kind = KINDS[manifest["kind"]]
        path = kind.path(self.namespace, manifest["metadata"]["name"])
        query = [("fieldManager", FIELD_MANAGER)]
        replaced: dict[str, Any] = self.request("PUT", path, query=query, body=manifest)
        return replaced

    def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        kind = KINDS[manifest["kind"]]
        query = [("fieldManager", FIELD_MANAGER)]
        created: dict[str, Any] = self.request("POST", kind.path(self.namespace), query=query, body=manifest)
        return created

    def delete(self, kind: Kind, name: str) -> bool:
        """Delete (pods of a Deployment go in the background); False if it was already gone."""
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
        try:
            self.request("DELETE", kind.path(self.namespace, name), body=body)
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True

    def select(self, kind: Kind, selector: str) -> list[dict[str, Any]]:
        found = self.request("GET", kind.path(self.namespace), query=[("labelSelector", selector)])
        items: list[dict[str, Any]] = found.get("items") or []
        return items

    def logs(self, pod: str, container: str, since_seconds: int) -> str:
        query = [("container", container), ("sinceSeconds", str(max(1, since_seconds)))]
        text: str = self.request(
            "GET", POD.path(self.namespace, pod, "log"), query=query, accept="text/plain"
        )
        return text

    def proxy(self, service: str, path: str, query: Iterable[tuple[str, str]]) -> Any:
        """GET `path` of a Service through the API server (NAMESPACE/NAME:PORT), with this client's auth."""
        namespace, _, rest = service.partition("/")
        name, _, port = rest.partition(":")
        url = f"/api/v1/namespaces/{namespace}/services/http:{name}:{port}/proxy/{path.lstrip('/')}"
        return self.request("GET", url, query=list(query))

    # -- transport ----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
    ) -> Any:
        """One API call; the decoded JSON (or text) on 2xx, an ApiError otherwise."""
        headers = {"Accept": accept, "Content-Type": content_type}
        request = self.client.param_serialize(
            method,
            path,
            query_params=query or [],
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self._send(method, path, request)
        data = response.data.decode("utf-8", errors="replace")
        if not 200 <= response.status <= 299:
            raise api_error(method, path, response.status, data)
        if accept == "text/plain":
            return data
        return json.loads(data) if data else {}

    def _send(self, method: str, path: str, request: Any) -> Any:
        from urllib3.exceptions import HTTPError

        try:
            response = self.client.call_api(*request, _request_timeout=TIMEOUT)
            response.read()
        except HTTPError as exc:
            raise ApiError(
                f"cannot reach the Kubernetes API at {self.host} ({method} {path}): {exc.__class__.__name__}",
                status=0,
                hint="check the kubeconfig's server address and that this runner can reach it",
            ) from None
        return response


def api_error(method: str, path: str, status: int, text: str) -> ApiError:
    """The API server's Status object as an error a person can act on."""
    try:
        body = json.loads(text)
    except ValueError:
        body = {}
    reason = str(body.get("reason", "")) if isinstance(body, dict) else ""
    message = str(body.get("message", text.strip()[:300])) if isinstance(body, dict) else text[:300]
    what = f"{method} {path} was refused ({status} {reason or 'error'}): {message}"
    if status == 409:
        return Conflict(what, status=status, reason=reason, hint=_CONFLICT_HINT)
    return ApiError(what, status=status, reason=reason, hint=_HINTS.get(status))


_CONFLICT_HINT = (
    "another field manager owns these fields (someone ran kubectl edit/scale, or a controller such as an "
    "autoscaler manages them); give them back, or set deploy.kubernetes.force-conflicts: true"
)
_HINTS = {
    401: "the credentials were not accepted; check the kubeconfig secret or the cloud login step",
    403: "the deploy identity lacks a permission; docs/kubernetes.md lists the Role it needs",
    404: "is the namespace there, and are the Gateway API CRDs (HTTPRoute) installed in the cluster?",
    422: "the cluster refused a manifest; an older Gateway API may lack a field (e.g. mirror percent, v1.3+)",
}


def connect(namespace: str) -> Cluster:
    """A Cluster from $KUBECONFIG (or ~/.kube/config), else the in-cluster service account."""
    try:
        from kubernetes import client, config
    except ImportError:
        raise UsageError(
            "the kubernetes target needs the official Kubernetes client",
            hint="pip install 'ci-gen[kubernetes]'",
        ) from None
    kubeconfig = os.environ.get("KUBECONFIG") or str(Path("~/.kube/config").expanduser())
    loader: Any = config  # the client's config loaders carry no annotations
    try:
        if os.environ.get("KUBECONFIG") or Path(kubeconfig).exists():
            return Cluster(loader.new_client_from_config(config_file=kubeconfig), namespace)
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            loader.load_incluster_config()
            return Cluster(client.ApiClient(), namespace)
    except (loader.ConfigException, OSError, ValueError) as exc:
        raise UsageError(f"cannot load the cluster credentials: {exc}") from None
    raise UsageError(
        "no cluster credentials: KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod",
        hint="the generated deploy job writes the kubeconfig (docs/kubernetes.md); locally, set KUBECONFIG",
    )
