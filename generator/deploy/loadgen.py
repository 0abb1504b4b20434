"""A small threaded HTTP load generator, bounded in time and count, that only talks to 127.0.0.1.

Used by the demo, the benchmarks and the tests to play users, and by `deploy` to send a spec's synthetic
traffic through the router while a stage is judged. Each thread keeps one keep-alive connection.
"""

from __future__ import annotations

import http.client
import itertools
import select
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from generator.deploy.gates import TrackStats
from generator.errors import UsageError

LOOPBACK = frozenset({"127.0.0.1", "localhost"})


@dataclass(frozen=True)
class Target:
    """Where requests go: a loopback host, a port and a path."""

    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK or not parts.port:
            raise UsageError(
                f"'{url}' is not an http URL on 127.0.0.1 with a port",
                hint="ci-gen only sends generated traffic to this machine, e.g. http://127.0.0.1:8080/predict",
            )
        return cls("127.0.0.1", parts.port, parts.path or "/")


@dataclass(frozen=True)
class Sample:
    """One request: when it started (monotonic), how long it took, its status (0: no answer)."""

    started: float
    seconds: float
    status: int
    request_id: str
    body: bytes = b""

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass
class LoadPlan:
    bodies: Sequence[bytes]
    rate: float | None = None  # requests per second in all; None: as fast as the threads go
    concurrency: int = 4
    duration: float = 10.0
    max_requests: int = 100_000
    timeout: float = 10.0
    keep_bodies: bool = False
    id_prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


class LoadGenerator:
    """Runs a LoadPlan against one target in background threads; `samples` is safe to read any time."""

    def __init__(self, target: Target, plan: LoadPlan) -> None:
        if not plan.bodies:
            raise UsageError("no request bodies to send")
        self.target = target
        self.plan = plan
        self.samples: list[Sample] = []
        self._lock = threading.Lock()
        self._counter = itertools.count()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._t0 = 0.0

    def start(self) -> LoadGenerator:
        self._t0 = time.monotonic()
        for index in range(max(1, self.plan.concurrency)):
            thread = threading.Thread(target=self._worker, name=f"ci-gen-load-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> list[Sample]:
        self._stop.set()
        return self.join()

    def join(self) -> list[Sample]:
        for thread in self._threads:
            thread.join()
        return self.snapshot()

    def run(self) -> list[Sample]:
        """Start, wait until the plan's time or count is used up, and return every sample."""
        return self.start().join()

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)

    def _next(self) -> int | None:
        with self._lock:
            index = next(self._counter)
        if index >= self.plan.max_requests or self._stop.is_set():
            return None
        if self.plan.rate:
            delay = self._t0 + index / self.plan.rate - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return None
        if time.monotonic() - self._t0 >= self.plan.duration:
            return None
        return index

    def _worker(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while (index := self._next()) is not None:
            body = self.plan.bodies[index % len(self.plan.bodies)]
            request_id = f"{self.plan.id_prefix}-{index}"
            connection, sample = self._send(connection, body, request_id)
            with self._lock:
                self.samples.append(sample)
        if connection is not None:
            connection.close()

    def _send(
        self, connection: http.client.HTTPConnection | None, body: bytes, request_id: str
    ) -> tuple[http.client.HTTPConnection | None, Sample]:
        started = time.monotonic()
        reused = connection is not None and not _dropped(connection)
        if connection is not None and not reused:
            connection.close()
        try:
            try:
                connection = connection if reused and connection is not None else self._connect()
                status, answer = post(connection, self.target.path, body, {"X-Request-ID": request_id})
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if not reused:
                    raise
                # The server closed an idle keep-alive connection as we sent (e.g. an nginx reload): the
                # request never reached it, so send it once more on a new connection, as Go's client does.
                if connection is not None:
                    connection.close()
                connection = self._connect()
                status, answer = post(connection, self.target.path, body, {"X-Request-ID": request_id})
        except (OSError, http.client.HTTPException):
            if connection is not None:
                connection.close()
            return None, Sample(started, time.monotonic() - started, 0, request_id)
        kept = answer if self.plan.keep_bodies else b""
        return connection, Sample(started, time.monotonic() - started, status, request_id, kept)

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.target.host, self.target.port, timeout=self.plan.timeout)


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """True if the server has closed this idle connection (readable with nothing pending means EOF)."""
    sock = connection.sock
    if sock is None:
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def post(
    connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """POST a JSON body on a (possibly reused) connection; return the status and the answer."""
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
    response = connection.getresponse()
    answer = response.read()
    if response.getheader("Connection", "").lower() == "close":
        connection.close()
    return response.status, answer


def summarize(samples: Sequence[Sample]) -> TrackStats:
    """The samples as track stats: count, failures (no answer or 5xx), latency percentiles in ms."""
    return TrackStats.of([s.seconds * 1000 for s in samples], sum(s.failed for s in samples))


def probe(port: int, path: str, timeout: float = 2.0) -> tuple[int | None, str]:
    """GET 127.0.0.1:port/path once: (status, what happened), status None when nothing answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, f"HTTP {response.status} {response.reason}".strip()
    except (OSError, http.client.HTTPException) as exc:
        return None, str(exc) or exc.__class__.__name__
    finally:
        connection.close()


def get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes] | None:
    """GET 127.0.0.1:port/path once; (status, body), or None when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()
