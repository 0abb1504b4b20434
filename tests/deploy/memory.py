"""An in-memory deploy target: the Target protocol over a scripted world, for table-driven strategy tests.

The `World` is what outlives a driver process (the tracks and their prediction logs, the router's live
routing, the log of every operation asked for); a `MemoryTarget` is one driver process's view of it,
through the same protocol the local and Kubernetes targets implement. Each release behaves as its
`Behaviour` says: healthy or not, exiting once it gets traffic, and the metrics its requests show per
candidate weight. A world can kill the driver at its k-th change (a target operation or a state save):
from there on every operation and save raises `Killed`, so nothing the driver does after its death
reaches the world or the disk. tests/deploy/memory_run.py runs the real driver against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.deploy.gates import TrackStats
from generator.deploy.loadgen import Target as Url
from generator.deploy.release import Release
from generator.deploy.state import EnvState, MirrorRecord, Session, StateStore
from generator.deploy.targets.base import CANDIDATE, REPLAY, STABLE, USER, TrackFailed, Traffic
from tests.monitor.synthetic import log_lines, rows


class Killed(BaseException):
    """The driver's process died here: not an error it could handle (like SIGKILL)."""


@dataclass(frozen=True)
class Metrics:
    """What a track's requests show: share failed, typical latency, share of predictions agreeing with
    the other track's on the same requests, share of mirrored copies it could not take, share of its
    predictions found in its log (only those are compared)."""

    error_rate: float = 0.0
    latency_ms: float = 20.0
    tail: float = 0.0  # share of its requests ten times slower than typical
    agreement: float = 1.0
    shed: float = 0.0
    logged: float = 1.0
    shift: float = 0.0  # how far its inputs moved from the reference profile's (standard deviations)
    collapse: bool = False  # predicts one class whatever the inputs


SLOW, ERRORS, DISAGREES, SHEDS = (
    Metrics(latency_ms=300),
    Metrics(error_rate=0.2),
    Metrics(agreement=0.5),
    Metrics(shed=0.8),
)
UNLOGGED = Metrics(logged=0.05)  # few of its predictions reach its log: few are compared


@dataclass(frozen=True)
class Behaviour:
    """How one release behaves on any track. `at_weight` overrides the metrics while the candidate has
    that share of users (keyed by weight, not by window, so a resumed run sees what the first one saw);
    `exits_at`: the candidate track exits once it gets traffic at that weight or more (0: any traffic,
    mirrored copies included)."""

    healthy: bool = True
    status: int = 200  # what it answers a request sent through the front door (the sample request)
    metrics: Metrics = Metrics()
    at_weight: dict[int, Metrics] = field(default_factory=dict)
    exits_at: int | None = None

    def at(self, weight: int) -> Metrics:
        return self.at_weight.get(weight, self.metrics)


@dataclass(eq=False)
class Track:
    release: Release
    alive: bool = True
    log: list[str] = field(default_factory=list)  # one prediction line per logged request

    def answer(self, count: int, metrics: Metrics) -> None:
        """Log the predictions of `count` requests (those that reach the log)."""
        logged = math.floor(count * metrics.logged)
        records = rows(logged, seed=len(self.log), shift=metrics.shift, collapse=metrics.collapse)
        self.log += log_lines(records, version=self.release.version)[1:]


@dataclass(frozen=True)
class Routing:
    weight: int = 0
    mirror_to: str | None = None
    mirror_percent: int = 0


@dataclass
class World:
    """The environment a target drives: it survives the driver (a rerun meets it as it was left)."""

    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    users_per_poll: int = 100
    logs: bool = False  # whether tracks log their predictions (only the drift gates read them)
    tracks: dict[str, Track] = field(default_factory=dict)
    router: Routing | None = None  # None: the router is not running
    router_deaths: int = 0  # how many times the router dies while a window watches it
    door: Url | None = None  # where ci-gen reaches the router from this machine (memory_run.front_door)
    ops: list[str] = field(default_factory=list)
    kill_at: int | None = None  # the change (1-based) at which the driver dies
    changes: int = 0
    trail: list[str] = field(default_factory=list)  # what each change was ("save" or an operation)
    dead: bool = False
    fail_at: tuple[int, BaseException] | None = None  # raise this at that change instead (not a death)

    def behaviour(self, release: Release) -> Behaviour:
        return self.behaviours.get(release.version, Behaviour())

    def change(self, what: str) -> None:
        """Count one change about to happen; die (or fail) if this is the scripted one."""
        if self.dead:
            raise Killed(what)
        self.changes += 1
        self.trail.append(what)
        if self.changes == self.kill_at:
            self.dead = True
            raise Killed(what)
        if self.fail_at is not None and self.changes == self.fail_at[0]:
            raise self.fail_at[1]

    def revive(self) -> None:
        """A new driver process: nothing scripted any more."""
        self.dead, self.kill_at, self.fail_at = False, None, None

    def live(self, track: str) -> Release | None:
        found = self.tracks.get(track)
        if found is None or not found.alive:
            return None
        exits_at = self.behaviour(found.release).exits_at
        if track == CANDIDATE and exits_at is not None and self._exposed(exits_at):
            found.alive = False
            return None
        return found.release

    def _exposed(self, exits_at: int) -> bool:
        routing = self.router or Routing()
        mirrored = routing.mirror_to == CANDIDATE and routing.mirror_percent > 0
        return (routing.weight > 0 or mirrored) and routing.weight >= exits_at

    def end(self) -> dict[str, Any]:
        """What a run leaves behind in the world, to compare two runs' ends."""
        return {
            "tracks": {name: t.release.version for name, t in self.tracks.items() if t.alive},
            "router": self.router,
        }


class MortalStore(StateStore):
    """The real state store; each save is a change of the world, so the driver can die at it."""

    def __init__(self, world: World, folder: Path, environment: str) -> None:
        super().__init__(folder, environment)
        self.world = world

    def save(self, state: EnvState) -> None:
        self.world.change("save")
        super().save(state)


class MemoryTarget:
    """The Target protocol over a World. Routing intent lives in the session's state, as with the
    other targets, so a rerun restores what the state records."""

    def __init__(self, session: Session, world: World) -> None:
        self.session = session
        self.world = world

    @property
    def state(self) -> EnvState:
        return self.session.state

    def _do(self, op: str) -> None:
        self.world.change(op)
        self.world.ops.append(op)

    def _intent(self) -> Routing:
        mirror = self.state.mirror
        return Routing(self.state.weight, mirror.to if mirror else None, mirror.percent if mirror else 0)

    def preflight(self, release: Release | None) -> None:
        return None

    def reconcile(self) -> list[str]:
        return []  # the world is the only record of its tracks: nothing can run unrecorded

    def ensure_router(self) -> None:
        if self.world.router != self._intent():
            self._do("router")
            self.world.router = self._intent()

    def check_router(self) -> str | None:
        if self.world.router_deaths > 0:  # it dies as a window looks at it
            self.world.router_deaths -= 1
            self.world.router = None
        if self.world.router is None:
            return "the router is not running"
        return None if self.world.router == self._intent() else f"the router routes {self.world.router}"

    def restore_router(self) -> None:
        self._do("restore router")
        self.world.router = self._intent()

    def start_track(self, track: str, release: Release) -> None:
        self._do(f"start {track} {release.version}")
        if self.world.live(track) != release:
            self.world.tracks[track] = Track(release)

    def wait_healthy(self, track: str, timeout: float) -> None:
        release = self.world.live(track)
        if release is None:
            raise TrackFailed(f"the {track} track is not running")
        if not self.world.behaviour(release).healthy:
            raise TrackFailed(f"the {track} track ({release.version}) was not healthy within {timeout:.0f} s")

    def running(self, track: str) -> Release | None:
        return self.world.live(track)

    def set_weight(self, percent: int) -> None:
        self._do(f"weight {percent}")
        self.state.weight = percent
        self.session.save()
        self.world.router = self._intent()

    def set_mirror(self, to: str | None, percent: int = 0) -> None:
        self._do(f"mirror {to} {percent}" if to and percent > 0 else "mirror off")
        self.state.mirror = MirrorRecord(to=to, percent=percent) if to and percent > 0 else None
        self.session.save()
        self.world.router = self._intent()

    def watch(self) -> MemoryWatch:
        return MemoryWatch(self.world)

    def log_reader(self, track: str) -> Callable[[], list[str]]:
        opened = self.world.tracks.get(track)
        start = {id(opened): len(opened.log)} if opened else {}

        def read() -> list[str]:
            current = self.world.tracks.get(track)
            return current.log[start.get(id(current), 0) :] if current else []

        return read

    def stop_track(self, track: str) -> None:
        self._do(f"stop {track}")
        self.world.tracks.pop(track, None)

    def promote(self) -> None:
        """As the local target does it, in changes a crash can fall between: the candidate takes every
        user, stable restarts on its release, users move back, the candidate goes."""
        self._do("promote")
        candidate, flight = self.world.live(CANDIDATE), self.state.deploy
        release = candidate or (flight.release if flight else None)
        if release is None:
            raise TrackFailed("nothing to promote: no candidate track and no deploy in flight")
        if self.world.live(STABLE) != release:
            self._route(weight=100)
            self.world.change("promote: stop stable")
            self.world.tracks.pop(STABLE, None)
            self.world.change("promote: start stable")
            self.world.tracks[STABLE] = Track(release)
        self.wait_healthy(STABLE, 0)
        self._route(weight=0)
        self.world.change("promote: stop candidate")
        self.world.tracks.pop(CANDIDATE, None)

    def _route(self, weight: int) -> None:
        self.world.change(f"promote: weight {weight}")
        self.state.weight, self.state.mirror = weight, None
        self.session.save()
        self.world.router = self._intent()

    def down(self) -> None:
        self._do("down")
        self.world.tracks.clear()
        self.state.weight, self.state.mirror = 0, None
        self.session.save()
        self.world.router = None

    def close(self) -> None:
        return None

    def front_door(self) -> Url | None:
        return self.world.door

    def describe(self) -> dict[str, Any]:
        tracks = {name: t.release.version for name, t in self.world.tracks.items()}
        return {"url": "memory://router", "tracks": tracks}


class MemoryWatch:
    """A judging window: every poll adds one poll's worth of users, split and mirrored as routed now."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.latencies: dict[tuple[str, str], list[float]] = {}
        self.errors: dict[tuple[str, str], float] = {}
        self.agreeing = 0.0
        self.compared = 0
        self.offered = 0
        self.shed = 0

    def poll(self) -> Traffic:
        routing = self.world.router or Routing()
        users = self.world.users_per_poll
        to_candidate = users * routing.weight // 100
        self._serve(CANDIDATE, USER, to_candidate, routing.weight)
        self._serve(STABLE, USER, users - to_candidate, routing.weight)
        if routing.mirror_to is not None:
            self._mirror(routing, users - to_candidate if routing.mirror_to == CANDIDATE else to_candidate)
        return self._traffic()

    def _serve(self, track: str, src: str, count: int, weight: int) -> None:
        release = self.world.live(track)
        if release is None or count <= 0:
            return
        metrics = self.world.behaviour(release).at(weight)
        if self.world.logs:
            self.world.tracks[track].answer(count, metrics)
        seen = self.latencies.setdefault((track, src), [])
        seen += [_latency(metrics, len(seen) + i) for i in range(count)]
        self.errors[(track, src)] = self.errors.get((track, src), 0.0) + count * metrics.error_rate

    def _mirror(self, routing: Routing, source_requests: int) -> None:
        """Copies of the other track's requests to `mirror_to`; predictions compared by request id."""
        copies = source_requests * routing.mirror_percent // 100
        to = routing.mirror_to
        assert to is not None
        candidate = self.world.live(CANDIDATE)
        if copies <= 0 or candidate is None or self.world.live(to) is None:
            return
        metrics = self.world.behaviour(candidate).at(routing.weight)
        taken = copies
        if to == CANDIDATE:  # the shadow candidate may not keep up with the copies offered to it
            taken -= math.floor(copies * metrics.shed)
            self.offered += copies
            self.shed += copies - taken
        self._serve(to, REPLAY, taken, routing.weight)
        compared = math.floor(taken * metrics.logged)
        self.compared += compared
        self.agreeing += compared * metrics.agreement

    def _traffic(self) -> Traffic:
        stats = {
            key: TrackStats.of(latencies, round(self.errors.get(key, 0.0)))
            for key, latencies in self.latencies.items()
        }
        agreement = self.agreeing / self.compared if self.compared else None
        return Traffic(stats, agreement, self.compared, self.offered, self.shed)


def _latency(metrics: Metrics, n: int) -> float:
    """The n-th request's latency: spread over 0.8-1.2x the typical one; a `tail` share 10x slower."""
    spread = metrics.latency_ms * (0.8 + 0.4 * (n * 37 % 101) / 100)
    return spread * 10 if n % 100 < metrics.tail * 100 else spread
