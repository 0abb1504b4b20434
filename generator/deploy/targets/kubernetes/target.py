"""The kubernetes target: each track a Deployment and a Service, one Gateway API HTTPRoute in front that
splits users by weight and mirrors requests, all applied server-side under the `ci-gen` field manager.

Every operation applies the end state it wants and waits for the cluster to report it (a rollout done,
the route accepted at its latest generation), so it is safe to repeat; the state is recorded in the
cluster before and after each change, so a deploy job on another runner picks up where one stopped.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from generator.deploy.release import Release
from generator.deploy.state import EnvState, MirrorRecord, Session, TrackRecord
from generator.deploy.targets.base import CANDIDATE, STABLE, TrackFailed
from generator.deploy.targets.kubernetes import status
from generator.deploy.targets.kubernetes.api import DEPLOYMENT, HTTPROUTE, POD, SERVICE, Cluster, Conflict
from generator.deploy.targets.kubernetes.manifests import Manifests, Routing
from generator.deploy.targets.kubernetes.metrics import Queries, Query
from generator.deploy.targets.kubernetes.names import RELEASE_ANNOTATION, TRACKS, Names
from generator.deploy.targets.kubernetes.record import ClusterRecord
from generator.deploy.targets.kubernetes.watch import KubernetesWatch, pod_log_reader
from generator.errors import CiGenError, DeployError, UsageError

ROUTE_TIMEOUT = 120.0  # how long a Gateway's controller may take to accept a route change


class KubernetesTarget:
    """Implements the Target protocol on one namespace of a cluster."""

    def __init__(
        self,
        session: Session,
        manifests: Manifests,
        connect: Callable[[], Cluster],
        prometheus: Callable[[Cluster], Query],
        queries: Queries,
        *,
        force_conflicts: bool = False,
        max_poll_seconds: float = 2.0,
    ) -> None:
        self.session = session
        self.manifests = manifests
        self.names: Names = manifests.names
        self.predict_path = manifests.container.predict_path
        self._connect = connect
        self._prometheus = prometheus
        self.queries = queries
        self.force_conflicts = force_conflicts
        self.max_poll_seconds = max_poll_seconds
        self._cluster: Cluster | None = None
        self._record: ClusterRecord | None = None
        self._query: Query | None = None

    @property
    def state(self) -> EnvState:
        return self.session.state

    @property
    def cluster(self) -> Cluster:
        if self._cluster is None:
            self._cluster = self._connect()
        return self._cluster

    @property
    def record(self) -> ClusterRecord:
        if self._record is None:
            self._record = ClusterRecord(self.cluster, self.names)
        return self._record

    @property
    def prometheus(self) -> Query:
        if self._query is None:
            self._query = self._prometheus(self.cluster)
        return self._query

    # -- preflight and reconciliation -------------------------------------------------------------

    def preflight(self, release: Release | None) -> None:
        """Check the release and the cluster, then take the environment's state from the cluster."""
        if release is not None and release.image is None:
            raise UsageError(
                "the kubernetes target runs container images, not model artifacts",
                hint="pass --image NAME@sha256:<digest> (the build job's output)",
            )
        self.cluster.select(DEPLOYMENT, self.names.label_selector())  # reachable, allowed, namespace there
        remote = self.record.pull()
        if remote is not None:
            self.session.state = remote.model_copy(update={"environment": self.state.environment})
            self.session.save()

    def reconcile(self) -> list[str]:
        """Delete tracks of this environment that the state does not record (a crash between applying
        and recording one, or a state reset); say what went."""
        removed = []
        for deployment in self.cluster.select(DEPLOYMENT, self.names.label_selector()):
            track = deployment["metadata"].get("labels", {}).get("ci-gen.dev/track")
            if track in TRACKS and track not in self.state.tracks:
                self._delete_track(track)
                removed.append(f"{track} Deployment {deployment['metadata']['name']}")
        return removed

    # -- tracks -----------------------------------------------------------------------------------

    def start_track(self, track: str, release: Release) -> None:
        """Apply the track's Service and Deployment for `release` (a no-op if it already runs it)."""
        name = self.names.track(track)
        self.state.tracks[track] = TrackRecord(
            release=release, port=self.manifests.settings.port, container=name
        )
        self._save()  # the intent first: a crash after the apply leaves a record, not a stray
        self._apply(self.manifests.service(track))
        self._apply(self.manifests.deployment(track, release))
        self._save()

    def wait_healthy(self, track: str, timeout: float) -> None:
        """Wait for the track's rollout; a pod that cannot start, a passed deadline or a timeout fails it."""
        name = self.names.track(track)
        deadline = time.monotonic() + timeout
        progress = status.Progress()
        for delay in self._delays(deadline):
            deployment = self.cluster.get(DEPLOYMENT, name)
            if deployment is None:
                raise TrackFailed(f"the {track} Deployment {name} does not exist")
            progress = status.rollout(deployment)
            failure = progress.failure or status.hopeless_pod(self._pods(track))
            if failure:
                raise TrackFailed(f"the {track} track did not start: {failure}")
            if progress.done:
                return
            time.sleep(delay)
        raise TrackFailed(f"the {track} track was not available within {timeout:.0f} s ({progress.note})")

    def _pods(self, track: str) -> list[dict[str, Any]]:
        return self.cluster.select(POD, self.names.label_selector(track))

    def running(self, track: str) -> Release | None:
        """The release the track's Deployment runs, if it has at least one available pod."""
        deployment = self.cluster.get(DEPLOYMENT, self.names.track(track))
        if deployment is None or deployment["metadata"].get("deletionTimestamp"):
            return None
        if (deployment.get("status") or {}).get("availableReplicas", 0) < 1:
            return None
        text = (deployment["metadata"].get("annotations") or {}).get(RELEASE_ANNOTATION)
        return Release.model_validate_json(text) if text else None

    def stop_track(self, track: str) -> None:
        """Route away from the track if anything still goes to it, then delete its Deployment and Service."""
        mirror = self.state.mirror
        if mirror is not None and (mirror.to == track or track == CANDIDATE):
            self.state.mirror = None
            self._route()
        if track == CANDIDATE and self.state.weight > 0:
            self.state.weight = 0
            self._route()
        self._delete_track(track)
        self.state.tracks.pop(track, None)
        self._save()

    def _delete_track(self, track: str) -> None:
        self.cluster.delete(DEPLOYMENT, self.names.track(track))
        self.cluster.delete(SERVICE, self.names.track(track))

    # -- routing ----------------------------------------------------------------------------------

    def ensure_router(self) -> None:
        self._route()

    def set_weight(self, percent: int) -> None:
        self.state.weight = percent
        self._route()

    def set_mirror(self, to: str | None, percent: int = 0) -> None:
        self.state.mirror = MirrorRecord(to=to, percent=percent) if to and percent > 0 else None
        self._route()

    def _route(self) -> None:
        """Apply the HTTPRoute the state describes and wait until the Gateway's controller accepted it."""
        self._save()
        mirror = self.state.mirror
        routing = Routing(self.state.weight, mirror.to if mirror else None, mirror.percent if mirror else 0)
        # ci-gen alone decides where users go: a hand edit of the route must never block a rollback.
        applied = self._apply(self.manifests.route(routing), force=True)
        self._wait_route(applied["metadata"]["name"])
        self._save()

    def _wait_route(self, name: str) -> None:
        namespace, _, gateway = self.manifests.settings.gateway.rpartition("/")
        deadline = time.monotonic() + ROUTE_TIMEOUT
        progress = status.Progress()
        for delay in self._delays(deadline):
            route = self.cluster.get(HTTPROUTE, name)
            progress = status.route(route or {}, gateway, namespace or self.names.namespace)
            if progress.failure:
                raise DeployError(f"HTTPRoute {name}: {progress.failure}")
            if progress.done:
                return
            time.sleep(delay)
        raise DeployError(
            f"HTTPRoute {name} was not accepted within {ROUTE_TIMEOUT:.0f} s: {progress.note}",
            hint=f"is there a Gateway '{self.manifests.settings.gateway}' with a running controller?",
        )

    def _delays(self, deadline: float) -> Iterator[float]:
        """Pauses between polls until `deadline`: quick at first (a fast cluster answers at once), then
        no more often than every max_poll_seconds."""
        delay = 0.05
        while time.monotonic() < deadline:
            yield min(delay, max(0.0, deadline - time.monotonic()))
            delay = min(delay * 2, self.max_poll_seconds)

    def _apply(self, manifest: dict[str, Any], *, force: bool | None = None) -> dict[str, Any]:
        try:
            return self.cluster.apply(manifest, force=self.force_conflicts if force is None else force)
        except Conflict as conflict:
            kind, name = manifest["kind"], manifest["metadata"]["name"]
            raise DeployError(f"{kind} {name}: {conflict.message}", hint=conflict.hint) from None

    # -- observing, promotion, teardown ------------------------------------------------------------

    def watch(self) -> KubernetesWatch:
        return KubernetesWatch(self)

    def log_reader(self, track: str) -> Callable[[], list[str]]:
        return pod_log_reader(self, track)

    def promote(self) -> None:
        """The candidate takes all users while the stable Deployment rolls to its image; then users go back
        to stable and the candidate is deleted."""
        candidate = self.state.tracks.get(CANDIDATE)
        release = candidate.release if candidate else self.state.deploy.release  # type: ignore[union-attr]
        if self.running(STABLE) != release and candidate is not None:
            self.set_weight(100)
        # Both are no-ops when done already; a rerun after a crash mid-rollout waits for it to finish.
        self.start_track(STABLE, release)
        self.wait_healthy(STABLE, self.manifests.health_timeout)
        self.state.stable = release
        self.set_mirror(None)
        self.set_weight(0)
        self.stop_track(CANDIDATE)

    def down(self) -> None:
        """Delete the route and both tracks; the recorded stable release stays for the next deploy."""
        self.cluster.delete(HTTPROUTE, self.names.route)
        for track in (CANDIDATE, STABLE):
            self._delete_track(track)
            self.state.tracks.pop(track, None)
        self.state.weight = 0
        self.state.mirror = None
        self._save()

    def check_router(self) -> str | None:
        return None  # the Gateway's controller keeps the HTTPRoute applied; nothing of ours to supervise

    def restore_router(self) -> None:
        return None

    def close(self) -> None:
        """Push the final state (the driver records the outcome after the last target call)."""
        if self._record is None:
            return
        # The deploy's own outcome is what to report; the next run converges from the older record.
        with contextlib.suppress(CiGenError):
            self.record.push(self.state)

    def _save(self) -> None:
        self.session.save()
        self.record.push(self.state)

    def front_door(self) -> None:
        return None  # the Gateway's address is the cluster's business; ci-gen sends nothing there

    def describe(self) -> dict[str, Any]:
        """Where things are; the cluster's record of the environment wins over this machine's cache."""
        settings = self.manifests.settings
        found = {
            "url": f"http://{settings.hostnames[0]}" if settings.hostnames else f"Gateway {settings.gateway}",
            "cluster": self.cluster.host,
            "namespace": self.names.namespace,
            "route": self.names.route,
            "gateway": settings.gateway,
            "tracks": {track: self._describe_track(track) for track in TRACKS},
        }
        recorded = ClusterRecord(self.cluster, self.names).pull()
        if recorded is not None:
            found.update(_summary(recorded))
        return found

    def _describe_track(self, track: str) -> dict[str, Any] | None:
        deployment = self.cluster.get(DEPLOYMENT, self.names.track(track))
        if deployment is None:
            return None
        release = self.running(track)
        available = (deployment.get("status") or {}).get("availableReplicas", 0)
        wanted = (deployment.get("spec") or {}).get("replicas", 0)
        return {
            "deployment": deployment["metadata"]["name"],
            "version": release.version if release else None,
            "release": release.label if release else None,
            "available": f"{available}/{wanted}",
        }


def _summary(state: EnvState) -> dict[str, Any]:
    """The recorded state in the shape `ci-gen status` reports it."""
    flight = state.deploy
    return {
        "stable": state.stable.model_dump() if state.stable else None,
        "weight": state.weight,
        "mirror": state.mirror.model_dump() if state.mirror else None,
        "in_flight": flight.model_dump(include={"stage", "strategy", "release", "step", "phase"})
        if flight
        else None,
        "history": state.history[-5:],
    }
