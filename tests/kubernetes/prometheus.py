"""A Prometheus double: /api/v1/query on 127.0.0.1, answering instant queries from request events the data
plane double records, or with values a test sets for an exact query.

It understands only the shapes ci-gen's presets produce: `sum(increase(METRIC{MATCHERS}[Ns]))` (a count of
matching events in the window) and `[K *] histogram_quantile(Q, sum by (le) (rate(METRIC_bucket{...}[Ns])))`
(the nearest-rank quantile of their latencies, in the metric's unit). Anything else answers an empty vector,
as a real Prometheus does for a series that does not exist; every query is kept in `queries`.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.kubernetes.loopback import LoopbackServer

_SERIES = re.compile(r"(?P<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<matchers>[^}]*)\}\[(?P<window>\d+)s\]")
_MATCHER = re.compile(r'(\w+)(=~|!=|=)"([^"]*)"')
_QUANTILE = re.compile(r"^(?:(?P<scale>[0-9.]+) \* )?histogram_quantile\((?P<q>[0-9.]+),")


@dataclass(frozen=True)
class Event:
    at: float
    labels: dict[str, str]
    seconds: float


class PrometheusDouble:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.answers: dict[str, float] = {}
        self.queries: list[str] = []
        self.lock = threading.Lock()

    def record(self, labels: dict[str, str], seconds: float) -> None:
        with self.lock:
            self.events.append(Event(time.time(), labels, seconds))

    def answer(self, query: str) -> dict[str, Any]:
        with self.lock:
            self.queries.append(query)
            value = self.answers[query] if query in self.answers else self._evaluate(query)
        result = [] if value is None else [{"metric": {}, "value": [time.time(), repr(value)]}]
        return {"status": "success", "data": {"resultType": "vector", "result": result}}

    def _evaluate(self, query: str) -> float | None:
        series = _SERIES.search(query)
        if series is None:
            return None
        matchers = _MATCHER.findall(series["matchers"])
        since = time.time() - int(series["window"])
        hits = [e for e in self.events if e.at >= since and all(_match(e.labels, m) for m in matchers)]
        if not hits:
            return None
        quantile = _QUANTILE.match(query)
        if quantile is None:
            return float(len(hits))
        unit = 1000.0 if series["metric"].startswith("istio_") else 1.0
        ordered = sorted(e.seconds * unit for e in hits)
        rank = max(1, math.ceil(float(quantile["q"]) * len(ordered)))
        return ordered[rank - 1] * float(quantile["scale"] or 1)


def _match(labels: dict[str, str], matcher: tuple[str, str, str]) -> bool:
    name, op, value = matcher
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    return re.fullmatch(value, actual) is not None


class _Handler(BaseHTTPRequestHandler):
    server: PrometheusServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/api/v1/query":
            self.send_error(404)
            return
        query = urllib.parse.parse_qs(url.query).get("query", [""])[0]
        body = json.dumps(self.server.double.answer(query)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PrometheusServer(LoopbackServer):
    def __init__(self, double: PrometheusDouble) -> None:
        super().__init__(_Handler, "prometheus-double")
        self.double = double
