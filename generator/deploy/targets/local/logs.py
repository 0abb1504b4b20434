"""Reading a judging window back from nginx's JSON access logs and the tracks' prediction lines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from generator.deploy.gates import TrackStats
from generator.deploy.state import TrackRecord

Output = Callable[[TrackRecord, int], tuple[list[str], int]]  # a runtime's output(record, offset)


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def records(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """JSON lines of `path` after `offset`, and the offset after the last complete line (a line still
    being written is read next time)."""
    data = read_from(path, offset)
    complete = data[: data.rfind(b"\n") + 1]
    found = []
    for line in complete.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found, offset + len(complete)


def read_from(path: Path, offset: int) -> bytes:
    if not path.exists():
        return b""
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read()


def track_stats(lines: Iterable[dict[str, Any]], port: int, src: str, path: str) -> TrackStats:
    """Stats of one track's attempts, from the router's log lines of requests to `path` from `src`.

    A request nginx retried on the other track (this one refused the connection) is an error of this
    track; latency is what the user waited, counted for the track that answered.
    """
    attempts = errors = 0
    latencies: list[float] = []
    for line in lines:
        attempt = _attempt(line, port) if line.get("src") == src and line.get("uri") == path else None
        if attempt is None:
            continue
        status, last = attempt
        attempts += 1
        errors += status >= 500 or status == 0
        if last:
            latencies.append(float(line.get("rt", 0)) * 1000)
    ordered = TrackStats.of(latencies, 0)
    return TrackStats(attempts, errors, ordered.p50, ordered.p95, ordered.p99, ordered.latencies)


def _attempt(line: dict[str, Any], port: int) -> tuple[int, bool] | None:
    """(status of this track's attempt, whether it was the last attempt), or None if it had none."""
    addresses = [a.strip() for a in str(line.get("up", "")).split(",")]
    statuses = [s.strip() for s in str(line.get("ups", "")).split(",")]
    suffix = f":{port}"
    for index, address in enumerate(addresses):
        if address.endswith(suffix):
            code = statuses[index] if index < len(statuses) else "-"
            return (int(code) if code.isdigit() else 0), index == len(addresses) - 1
    return None


def predictions(lines: Iterable[str]) -> dict[str, Any]:
    """request id -> predictions, from a service's stdout (`{"event": "prediction", ...}` lines)."""
    found: dict[str, Any] = {}
    for line in lines:
        if '"prediction"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "prediction" and "request_id" in entry:
            found[str(entry["request_id"])] = entry.get("predictions")
    return found


def agreement(
    candidate: dict[str, Any], stable: dict[str, Any], ids: Iterable[str]
) -> tuple[float | None, int]:
    """Share of `ids` where both tracks predicted and predicted the same, and how many were compared."""
    both = [i for i in ids if i in candidate and i in stable]
    if not both:
        return None, 0
    same = sum(candidate[i] == stable[i] for i in both)
    return same / len(both), len(both)


class Follow:
    """A track's output from now on (a new process on the track is read from its start): each call
    returns every line since."""

    def __init__(self, record: Callable[[], TrackRecord | None], output: Output) -> None:
        self.record, self.output = record, output
        self.current = record()
        self.offset = output(self.current, -1)[1] if self.current is not None else 0
        self.seen: list[str] = []

    def __call__(self) -> list[str]:
        current = self.record()
        if current is None:
            return self.seen
        if current != self.current:
            self.current, self.offset = current, 0
        lines, self.offset = self.output(current, self.offset)
        self.seen.extend(lines)
        return self.seen
