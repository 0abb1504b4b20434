"""Judging numbers for the kubernetes target, from the Prometheus HTTP API: one PromQL query each for a
track's requests, errors and latency percentiles over the judging window.

Two presets cover the common set-ups; `deploy.kubernetes.queries` overrides any of them. Placeholders:
$namespace, $service and $deployment (a track's Service and Deployment, which share a name), $track, $path
(the predict path), $window (e.g. `42s`) and $quantile (0.5, 0.95, 0.99).
"""

from __future__ import annotations

import json
import math
import os
import string
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.deploy.gates import TrackStats
from generator.errors import DeployError, UsageError

TOKEN_ENV = "CI_GEN_PROMETHEUS_TOKEN"  # noqa: S105 - a variable name, not a secret; a bearer token for a Prometheus reached directly, if it needs one

_SERVICE_SELECTOR = 'namespace="$namespace",pod=~"$deployment-.*",endpoint="$path"'
_ISTIO_SELECTOR = (
    'reporter="source",destination_service_namespace="$namespace",destination_service_name="$service"'
)

PRESETS: dict[str, dict[str, str]] = {
    # The serving contract's /metrics (prometheus-client names), scraped per pod: works behind any gateway.
    "service": {
        "requests": f"sum(increase(http_requests_total{{{_SERVICE_SELECTOR}}}[$window]))",
        "errors": f'sum(increase(http_requests_total{{{_SERVICE_SELECTOR},status=~"5.."}}[$window]))',
        "latency": (
            "1000 * histogram_quantile($quantile, sum by (le) "
            f"(rate(http_request_duration_seconds_bucket{{{_SERVICE_SELECTOR}}}[$window])))"
        ),
    },
    # Istio's standard metrics as the gateway reports them, by destination Service (mirrored copies included).
    "istio": {
        "requests": f"sum(increase(istio_requests_total{{{_ISTIO_SELECTOR}}}[$window]))",
        "errors": f'sum(increase(istio_requests_total{{{_ISTIO_SELECTOR},response_code=~"5..|0"}}[$window]))',
        "latency": (
            "histogram_quantile($quantile, sum by (le) "
            f"(rate(istio_request_duration_milliseconds_bucket{{{_ISTIO_SELECTOR}}}[$window])))"
        ),
    },
}

Query = Callable[[str], float | None]


@dataclass(frozen=True)
class Queries:
    """The three PromQL templates in use: the preset's, with the spec's overrides."""

    requests: str
    errors: str
    latency: str

    @classmethod
    def of(cls, preset: str, overrides: Mapping[str, str]) -> Queries:
        return cls(**{**PRESETS[preset], **overrides})

    def stats(self, query: Query, fields: Mapping[str, str]) -> TrackStats:
        """One track's numbers over the window that `fields["window"]` names."""
        requests = query(render(self.requests, fields))
        if not requests:
            return TrackStats()
        errors = query(render(self.errors, fields)) or 0.0
        p50, p95, p99 = (
            query(render(self.latency, {**fields, "quantile": q})) for q in ("0.5", "0.95", "0.99")
        )
        return TrackStats(round(requests), min(round(errors), round(requests)), p50, p95, p99)


def render(template: str, fields: Mapping[str, str]) -> str:
    return string.Template(template).safe_substitute(fields)


def window(seconds: float) -> str:
    """A PromQL range covering `seconds`, rounded up to whole seconds."""
    return f"{max(1, math.ceil(seconds))}s"


def scalar(answer: Any, promql: str) -> float | None:
    """The value of an instant query's answer: one sample (None when empty or not a number)."""
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error") if isinstance(answer, dict) else answer
        raise DeployError(f"Prometheus refused the query {promql!r}: {error}")
    data = answer.get("data") or {}
    result = data.get("result")
    if data.get("resultType") == "scalar":
        return _number(result[1]) if isinstance(result, list) else None
    if not result:
        return None
    return _number(result[0].get("value", [0, "NaN"])[1])


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


class _TokenStaysHome(urllib.request.HTTPRedirectHandler):
    """Follows redirects, but sends the bearer token only to the origin it was configured for: urllib
    would copy the Authorization header to whatever host a redirect names."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            new.remove_header("Authorization")
        return new


class DirectPrometheus:
    """Prometheus at a URL this machine can reach."""

    def __init__(self, url: str, timeout: float = 15.0, *, token_over_http: bool = False) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_TokenStaysHome)
        if os.environ.get(TOKEN_ENV) and _origin(self.url)[0] != "https" and not token_over_http:
            raise UsageError(
                f"prometheus-url {self.url} is plain HTTP and {TOKEN_ENV} is set: the token would cross "
                "the network readable by anyone on the way",
                hint="use an https:// URL, or set deploy.kubernetes.prometheus-token-over-http: true "
                "(a network you trust, such as a port-forward to localhost)",
            )

    def __call__(self, promql: str) -> float | None:
        request = urllib.request.Request(  # noqa: S310 - the spec allows http(s) URLs only
            f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}", headers=self._headers()
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = _error_body(exc)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeployError(
                f"cannot query Prometheus at {self.url}: {exc}",
                hint="is prometheus-url reachable from this runner? prometheus-service goes through the "
                "API server instead",
            ) from None
        return scalar(answer, promql)

    def _headers(self) -> dict[str, str]:
        token = os.environ.get(TOKEN_ENV)
        return {"Authorization": f"Bearer {token}"} if token else {}


def _error_body(exc: urllib.error.HTTPError) -> Any:
    # Prometheus answers a bad query with 400 and a JSON body that says what is wrong.
    try:
        return json.loads(exc.read())
    except ValueError:
        return {"status": "error", "error": f"HTTP {exc.code}"}


class ProxiedPrometheus:
    """Prometheus inside the cluster, through the API server's service proxy (needs services/proxy)."""

    def __init__(self, cluster: Any, service: str) -> None:
        self.cluster = cluster
        self.service = service

    def __call__(self, promql: str) -> float | None:
        from generator.deploy.targets.kubernetes.api import ApiError

        try:
            answer = self.cluster.proxy(self.service, "api/v1/query", [("query", promql)])
        except ApiError as error:
            if error.status != 400:
                raise
            answer = {"status": "error", "error": error.message}
        return scalar(answer, promql)
