"""A data-plane double: the Gateway as traffic sees it. Each simulated request follows the HTTPRoute that is
in the API double right now (weighted backendRefs, RequestMirror filters at rule and backendRef level, with
their percent), reaches a ready pod of the chosen Service, and leaves what a real pod and a real
Prometheus would: a request event with the labels of both metric presets, and, when it succeeded, one JSON
prediction line in that pod's log. How each image behaves (errors, latency, predictions) is the test's.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.kubernetes.prometheus import PrometheusDouble
from tests.kubernetes.store import Store


@dataclass(frozen=True)
class Behaviour:
    error_rate: float = 0.0
    latency_ms: float = 5.0
    predict: Callable[[str], Any] = field(default=lambda request_id: ["setosa"])


class DataPlane:
    def __init__(
        self, store: Store, prometheus: PrometheusDouble, namespace: str, route: str, path: str = "/predict"
    ) -> None:
        self.store = store
        self.prometheus = prometheus
        self.namespace = namespace
        self.route = route
        self.path = path
        self.behaviours: dict[str, Behaviour] = {}
        self.random = random.Random(7)
        self.answered: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, count: int) -> None:
        for _ in range(count):
            self.request(uuid.uuid4().hex)

    def request(self, request_id: str) -> None:
        route = self.store.get("httproutes", self.namespace, self.route)
        if route is None:
            return
        rule = route["spec"]["rules"][0]
        backend = self._choose(rule.get("backendRefs", []))
        if backend is None:
            return
        self._serve(backend["name"], request_id, user=True)
        for mirror in [*rule.get("filters", []), *backend.get("filters", [])]:
            if mirror["type"] == "RequestMirror" and self._sampled(mirror["requestMirror"]):
                self._serve(mirror["requestMirror"]["backendRef"]["name"], request_id, user=False)

    def _choose(self, refs: list[dict[str, Any]]) -> dict[str, Any] | None:
        total = sum(ref.get("weight", 1) for ref in refs)
        if total <= 0:
            return None
        pick = self.random.uniform(0, total)
        for ref in refs:
            pick -= ref.get("weight", 1)
            if pick <= 0:
                return ref
        return refs[-1]

    def _sampled(self, mirror: dict[str, Any]) -> bool:
        return self.random.uniform(0, 100) < mirror.get("percent", 100)

    def _serve(self, service_name: str, request_id: str, *, user: bool) -> None:
        service = self.store.get("services", self.namespace, service_name)
        pods = (
            []
            if service is None
            else [
                p
                for p in self.store.select("pods", self.namespace, service["spec"]["selector"])
                if p["status"]["containerStatuses"][0]["ready"]
            ]
        )
        if not pods:
            self._record(service_name, "", 503, 0.001)
            return
        pod = pods[self.random.randrange(len(pods))]
        behaviour = self.behaviours.get(pod["spec"]["containers"][0]["image"], Behaviour())
        status = 500 if self.random.random() < behaviour.error_rate else 200
        self._record(service_name, pod["metadata"]["name"], status, behaviour.latency_ms / 1000)
        self.answered[service_name] = self.answered.get(service_name, 0) + 1
        if status == 200:
            line = {
                "event": "prediction",
                "request_id": request_id,
                "predictions": behaviour.predict(request_id),
            }
            self.store.append_log(self.namespace, pod["metadata"]["name"], json.dumps(line))

    def _record(self, service: str, pod: str, status: int, seconds: float) -> None:
        labels = {
            # the service preset: the pod's own http_requests_total
            "namespace": self.namespace,
            "pod": pod,
            "endpoint": self.path,
            "status": str(status),
            # the istio preset: the gateway's istio_requests_total
            "reporter": "source",
            "destination_service_namespace": self.namespace,
            "destination_service_name": service,
            "response_code": str(status),
        }
        self.prometheus.record(labels, seconds)

    # -- background traffic ---------------------------------------------------------------------------

    def start(self, per_tick: int = 10, tick: float = 0.05) -> DataPlane:
        """Send `per_tick` requests every `tick` seconds until `stop` (bounded: it runs in one test)."""

        def run() -> None:
            while not self._stop.wait(tick):
                self.send(per_tick)

        self._thread = threading.Thread(target=run, name="data-plane-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
