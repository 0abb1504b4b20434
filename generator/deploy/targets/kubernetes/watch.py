"""A judging window on the kubernetes target: per-track numbers from Prometheus, and the agreement of the
two tracks' predictions read from their pods' logs (one JSON line per prediction), joined by request id.

Prometheus counts requests per track, not per source: a track that receives mirrored copies has them in
its numbers, so its numbers are reported both as user traffic and as replay traffic (shadow judges the
candidate's replay numbers; canary compares candidate and stable users').
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from generator.deploy.gates import TrackStats
from generator.deploy.targets.base import CANDIDATE, REPLAY, STABLE, USER, Traffic
from generator.deploy.targets.kubernetes.api import POD, ApiError
from generator.deploy.targets.kubernetes.metrics import window
from generator.deploy.targets.kubernetes.names import TRACKS
from generator.deploy.targets.local.logs import agreement, predictions

if TYPE_CHECKING:
    from generator.deploy.targets.kubernetes.target import KubernetesTarget

CONTAINER = "model"


class KubernetesWatch:
    """Everything since it was opened, re-read on every poll (windows are minutes, not days)."""

    def __init__(self, target: KubernetesTarget) -> None:
        self.target = target
        self.opened = time.time()

    def poll(self) -> Traffic:
        seconds = time.time() - self.opened
        stats = {(track, USER): self._stats(track, seconds) for track in TRACKS}
        mirror = self.target.state.mirror
        for track in TRACKS:
            copies = mirror is not None and mirror.to == track
            stats[(track, REPLAY)] = stats[(track, USER)] if copies else TrackStats()
        candidate, stable = (self._predictions(t, seconds) for t in (CANDIDATE, STABLE))
        share, compared = agreement(candidate, stable, list(candidate))
        return Traffic(stats, share, compared)

    def _stats(self, track: str, seconds: float) -> TrackStats:
        if track not in self.target.state.tracks:
            return TrackStats()
        name = self.target.names.track(track)
        fields = {
            "namespace": self.target.names.namespace,
            "service": name,
            "deployment": name,
            "track": track,
            "path": self.target.predict_path,
            "window": window(seconds),
        }
        return self.target.queries.stats(self.target.prometheus, fields)

    def _predictions(self, track: str, seconds: float) -> dict[str, Any]:
        if track not in self.target.state.tracks:
            return {}
        cluster = self.target.cluster
        found: dict[str, Any] = {}
        for pod in cluster.select(POD, self.target.names.label_selector(track)):
            # A second more than the window: a line logged as the window opened is not lost to rounding.
            try:
                text = cluster.logs(pod["metadata"]["name"], CONTAINER, int(seconds) + 2)
            except ApiError as error:
                if error.status not in (400, 404):  # a pod still starting, or gone since the list
                    raise
                continue
            found.update(predictions(text.splitlines()))
        return found


def pod_log_reader(target: KubernetesTarget, track: str) -> Callable[[], list[str]]:
    """The track's pods' logs since now, re-read whole each time (windows are minutes)."""
    opened = time.time()

    def read() -> list[str]:
        since = int(time.time() - opened) + 2  # a line logged as the window opened is not lost to rounding
        lines: list[str] = []
        for pod in target.cluster.select(POD, target.names.label_selector(track)):
            lines += target.cluster.logs(pod["metadata"]["name"], CONTAINER, since).splitlines()
        return lines

    return read
