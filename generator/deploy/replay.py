"""Shadow traffic without touching users: tail the router's request-body log and replay each request,
with its request id, to the other track through the router's replay port.

nginx's `mirror` holds the user's request until the mirrored subrequest is done (ingress-nginx#10116), so
a slow candidate would slow stable's users. Here nginx only writes a log line after answering the user;
this replayer, in the driver, does the rest. A slow or dead candidate fills its bounded queue, and what
does not fit is counted as shed, never waited for.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_STOP: dict[str, Any] = {}


@dataclass
class ReplayCounts:
    read: int = 0
    sent: int = 0
    failed: int = 0
    shed: int = 0


class LiveReplayer:
    """Follows `log` from `offset` and replays each logged request to `track` via 127.0.0.1:`port`."""

    def __init__(self, log: Path, offset: int, port: int, track: str, threads: int = 4, backlog: int = 200):
        self.log = log
        self.offset = offset
        self.port = port
        self.track = track
        self.counts = ReplayCounts()
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=backlog)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._tail, name="ci-gen-replay-tail", daemon=True)]
        self._threads += [
            threading.Thread(target=self._work, name=f"ci-gen-replay-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> LiveReplayer:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> ReplayCounts:
        """Stop reading; requests still queued are shed, requests in flight finish (bounded by timeouts)."""
        self._stop.set()
        self._threads[0].join()
        while True:
            try:
                self._queue.get_nowait()
                self.counts.shed += 1
            except queue.Empty:
                break
        for _ in self._threads[1:]:
            self._queue.put(_STOP)
        for thread in self._threads[1:]:
            thread.join()
        return self.counts

    def _tail(self) -> None:
        pending = b""
        while not self._stop.is_set():
            chunk = self._read_more()
            if not chunk:
                self._stop.wait(0.05)
                continue
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._offer(line)

    def _read_more(self) -> bytes:
        try:
            with self.log.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read(1 << 20)
        except FileNotFoundError:
            return b""
        self.offset += len(chunk)
        return chunk

    def _offer(self, line: bytes) -> None:
        try:
            entry = json.loads(line)
        except ValueError:
            return
        self.counts.read += 1
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self.counts.shed += 1

    def _work(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while (entry := self._queue.get()) is not _STOP:
            connection = self._replay(connection, entry)
        if connection is not None:
            connection.close()

    def _replay(
        self, connection: http.client.HTTPConnection | None, entry: dict[str, Any]
    ) -> http.client.HTTPConnection | None:
        headers = {"X-Request-ID": str(entry.get("id", "")), "X-Ci-Gen-Track": self.track}
        if entry.get("ctype"):
            headers["Content-Type"] = str(entry["ctype"])
        try:
            connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
            body = str(entry.get("body", "")).encode()
            connection.request(str(entry.get("method", "POST")), str(entry.get("uri", "/")), body, headers)
            connection.getresponse().read()
            self.counts.sent += 1
            return connection
        except (OSError, http.client.HTTPException):
            self.counts.failed += 1
            if connection is not None:
                connection.close()
            time.sleep(0.01)
            return None
