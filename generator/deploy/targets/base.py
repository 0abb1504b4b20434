"""The operations every deploy target offers the strategies, whatever runs the tracks.

A target runs up to two tracks of one environment, `stable` and `candidate`, and routes users between
them. The local target does this with processes or containers behind nginx; a Kubernetes target would
use a Deployment per track and a Gateway API HTTPRoute (weighted backendRefs, a RequestMirror filter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from generator.deploy.gates import TrackStats
from generator.deploy.loadgen import Target as Url
from generator.deploy.release import Release
from generator.errors import DeployError

STABLE = "stable"
CANDIDATE = "candidate"
USER = "user"  # traffic from users, through the router
REPLAY = "replay"  # copies of user requests sent to the other track (shadow)


class TrackFailed(DeployError):
    """A track did not start, did not become healthy, or died: a rollback reason, not a crash."""


@dataclass(frozen=True)
class Traffic:
    """Everything seen since a watch began: per-track stats by source, and paired predictions."""

    stats: dict[tuple[str, str], TrackStats]
    agreement: float | None
    compared: int
    offered: int = 0  # copies offered to the track receiving the mirror (local target's replayer)
    shed: int = 0  # of those, copies dropped because that track could not keep up

    def of(self, track: str, src: str = USER) -> TrackStats:
        return self.stats.get((track, src), TrackStats())


class Watch(Protocol):
    """An open judging window; `poll` reads what arrived since the last poll and sums it up."""

    def poll(self) -> Traffic: ...


class Target(Protocol):
    """What a strategy may ask of a target. Every operation is idempotent: asking twice is harmless."""

    def preflight(self, release: Release | None) -> None:
        """Check tools and inputs before anything changes (UsageError: exit 2, DeployError: exit 3)."""

    def reconcile(self) -> list[str]:
        """Stop strays a crash left behind (started but never recorded); say what was stopped."""

    def ensure_router(self) -> None:
        """Start the router (or check it runs) with the weights and mirror the state records."""

    def check_router(self) -> str | None:
        """None while the router routes as the state records; else what is wrong (it died, or serves
        another config). A step is never judged on traffic the router did not route as recorded."""

    def restore_router(self) -> None:
        """Start the router again with the recorded weights and mirror, clearing what is left of it."""

    def start_track(self, track: str, release: Release) -> None:
        """Run `release` on `track`; a track already running that release is left alone."""

    def wait_healthy(self, track: str, timeout: float) -> None:
        """Return once the track answers its health check; raise TrackFailed if it dies or times out."""

    def running(self, track: str) -> Release | None:
        """The release a live track runs, or None."""

    def set_weight(self, percent: int) -> None:
        """Send `percent` of user traffic to the candidate, the rest to stable; live on return."""

    def set_mirror(self, to: str | None, percent: int = 0) -> None:
        """Copy `percent` of the requests the other track answers to `to` (None: stop copying)."""

    def watch(self) -> Watch:
        """Open a judging window from now."""

    def log_reader(self, track: str) -> Callable[[], list[str]]:
        """From now on: each call returns every line the track has logged since (its prediction
        records, which the drift gates judge), across a restart of the track."""

    def stop_track(self, track: str) -> None:
        """Stop the track (no traffic must be routed to it any more)."""

    def promote(self) -> None:
        """Make the candidate's release the stable one without dropping requests; remove the candidate.
        The driver records the new stable release in the state itself."""

    def down(self) -> None:
        """Stop every track and the router of the environment."""

    def close(self) -> None:
        """Stop what the driver itself runs (threads); tracks and router keep serving."""

    def front_door(self) -> Url | None:
        """Where requests sent from this machine reach the router as users' requests do (a first
        version's sample request, synthetic users), or None where ci-gen cannot reach the router."""

    def describe(self) -> dict[str, Any]:
        """Where things are (URLs, pids, containers), for `ci-gen status`."""
