"""The local target: one environment's stable and candidate tracks (processes or containers) behind a
private nginx, everything under `<state-dir>/<environment>/`."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.deploy.gates import TrackStats
from generator.deploy.loadgen import Target as Url
from generator.deploy.loadgen import probe
from generator.deploy.ports import ephemeral_range, port_is_free, wait_free
from generator.deploy.release import Release
from generator.deploy.replay import LiveReplayer
from generator.deploy.state import EnvState, MirrorRecord, RouterRecord, Session, TrackRecord
from generator.deploy.targets.base import CANDIDATE, REPLAY, STABLE, USER, TrackFailed, Traffic
from generator.deploy.targets.local import logs, procs
from generator.deploy.targets.local.router import NginxRouter, Ports, Routing, empty_log
from generator.deploy.targets.local.runtimes import Runtime, TrackLaunch, log_evidence, make_runtime
from generator.errors import DeployError

MARKER = "CI_GEN_TRACK_ID"  # in every track's environment, so strays can be found after a crash


class LocalTarget:
    """Implements the Target protocol with a Runtime for the tracks and an NginxRouter in front."""

    def __init__(
        self,
        session: Session,
        folder: Path,
        ports: Ports,
        runtime: Runtime,
        *,
        workdir: Path,
        env: dict[str, str],
        health_path: str,
        predict_path: str,
        container_port: int,
    ) -> None:
        self.session = session
        self.folder = folder
        self.ports = ports
        self.runtime = runtime
        self.workdir = workdir
        self.env = env
        self.health_path = health_path
        self.predict_path = predict_path
        self.container_port = container_port
        self.router = NginxRouter(folder / "router", ports)
        self._replayer: LiveReplayer | None = None
        self._live: Routing | None = None  # what this run last made the router serve

    @property
    def state(self) -> EnvState:
        return self.session.state

    # -- preflight and reconciliation -------------------------------------------------------------

    def preflight(self, release: Release | None) -> None:
        self.router.preflight()
        self.runtime.preflight(release)
        self.router.clear_strays(self.state.router)
        if release is not None and not procs.alive(self.state.router.pid, self.state.router.start_ticks):
            self._port_free(self.ports.router)
            self._port_free(self.ports.replay)

    def _port_free(self, port: int) -> None:
        if not port_is_free(port):
            holders = ", ".join(procs.describe(pid) for pid in procs.listeners(port)) or "another program"
            raise DeployError(
                f"port {port} on 127.0.0.1 is taken by {holders}; the router of "
                f"'{self.state.environment}' needs it",
                hint="stop that program or change deploy.local.base-port",
            )

    def reconcile(self) -> list[str]:
        """Stop track processes of this environment that the state does not know (a crash between
        starting one and recording it); return what was stopped."""
        stopped: list[str] = []
        if self.runtime.name != "process":
            return stopped  # containers have fixed names: starting one replaces any stray of that name
        for track in (STABLE, CANDIDATE):
            record = self.state.tracks.get(track)
            groups = {_group_of(pid) for pid in _processes_with(MARKER, self._track_id(track))}
            keep = record.pid if record else None
            for group in sorted(g for g in groups if g is not None and g != keep):
                procs.stop_group(group, None)
                stopped.append(f"{track} process group {group}")
        return stopped

    def _track_id(self, track: str) -> str:
        return f"{self.folder.resolve()}:{track}"

    # -- tracks -----------------------------------------------------------------------------------

    def start_track(self, track: str, release: Release) -> None:
        record = self.state.tracks.get(track)
        if record is not None and record.release == release and self.runtime_of(record).running(record):
            return
        if record is not None:
            self.stop_track(track)
        self._track_port_free(track)
        launch = TrackLaunch(
            name=self._container_name(track),
            release=release,
            port=self.ports.track(track),
            env={**self.env, MARKER: self._track_id(track)},
            workdir=self.workdir,
            logs=self.folder / "tracks",
            container_port=self.container_port,
        )
        self.state.tracks[track] = self.runtime.start(launch)
        self.session.save()

    def _track_port_free(self, track: str) -> None:
        """Bind-check the track's port before starting it: a client socket may hold a port in the
        kernel's ephemeral range, and a track that cannot bind only shows up as 'not healthy'."""
        port = self.ports.track(track)
        if wait_free(port):
            return
        low, high = ephemeral_range()
        holders = ", ".join(procs.describe(pid) for pid in procs.listeners(port)) or "a client socket"
        inside = f" (inside the kernel's ephemeral range {low}-{high})" if low <= port <= high else ""
        raise DeployError(
            f"port {port} for the {track} track of '{self.state.environment}' is taken by {holders}{inside}",
            hint=f"choose a deploy.local.base-port below {low} whose block is free",
        )

    def _container_name(self, track: str) -> str:
        # The folder's digest keeps two projects' (or two test runs') "production" apart on one host.
        tag = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:8]
        environment = re.sub(r"[^a-z0-9_.-]", "-", self.state.environment.lower())
        return f"ci-gen-{environment}-{track}-{tag}"

    def runtime_of(self, record: TrackRecord) -> Runtime:
        """The runtime that started the track: after deploy.local.runtime changed, it still stops it."""
        started_by = record.runtime or ("process" if record.pid else None)
        if started_by is None or started_by == self.runtime.name:
            return self.runtime
        return make_runtime(started_by, None)

    def running(self, track: str) -> Release | None:
        record = self.state.tracks.get(track)
        return record.release if record is not None and self.runtime_of(record).running(record) else None

    def wait_healthy(self, track: str, timeout: float) -> None:
        record = self.state.tracks.get(track)
        if record is None:
            raise TrackFailed(f"the {track} track is not running")
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self.runtime_of(record).running(record):
                version = record.release.version
                raise TrackFailed(f"the {track} track ({version}) exited{self._evidence(record)}")
            status, last = probe(self.ports.track(track), self.health_path)
            if status == 200:
                return
            time.sleep(0.1)
        url = f"http://127.0.0.1:{self.ports.track(track)}{self.health_path}"
        raise TrackFailed(
            f"the {track} track ({record.release.version}) was not healthy within {timeout:.0f} s: "
            f"GET {url} last gave {last}{self._hint()}{self._evidence(record)}"
        )

    def healthy(self, track: str) -> bool:
        return probe(self.ports.track(track), self.health_path)[0] == 200

    def _hint(self) -> str:
        if self.runtime.name == "process":
            return " (the serve command must listen on $HOST:$PORT)"
        return f" (the image must listen on container.port {self.container_port})"

    def _evidence(self, record: TrackRecord) -> str:
        return log_evidence(self.runtime_of(record), record)

    def stop_track(self, track: str) -> None:
        record = self.state.tracks.get(track)
        if record is not None:
            self.router.drain(self.state.router)  # requests already routed to it finish first
            self.runtime_of(record).stop(record)
            del self.state.tracks[track]
            self.session.save()

    # -- routing ----------------------------------------------------------------------------------

    def ensure_router(self) -> None:
        if procs.alive(self.state.router.pid, self.state.router.start_ticks) and self.router.generation() == (
            self.state.router.generation
        ):
            return
        self._apply()

    def check_router(self) -> str | None:
        record = self.state.router
        if not procs.alive(record.pid, record.start_ticks):
            return f"nginx (pid {record.pid}) is not running"
        if self.router.generation() != record.generation:
            return f"nginx does not answer with config generation {record.generation}"
        return None

    def restore_router(self) -> None:
        self._apply()

    def set_weight(self, percent: int) -> None:
        self.state.weight = percent
        self._apply()

    def set_mirror(self, to: str | None, percent: int = 0) -> None:
        self.state.mirror = MirrorRecord(to=to, percent=percent) if to and percent > 0 else None
        self._apply()
        if self._replayer is not None:
            self._replayer.stop()
            self._replayer = None
        empty_log(self.router.mirror_log)  # the bodies were only kept to be replayed; none are now
        if self.state.mirror is not None:
            log = self.router.mirror_log
            self._replayer = LiveReplayer(log, logs.size(log), self.ports.replay, to or CANDIDATE).start()

    def replay_counts(self) -> tuple[int, int]:
        """Copies the live mirror has offered and shed so far (0, 0 when nothing is mirrored)."""
        counts = self._replayer.counts if self._replayer is not None else None
        return (counts.read, counts.shed) if counts is not None else (0, 0)

    def _apply(self) -> None:
        self.session.save()  # the intent first: a crash mid-reload leaves a state the rerun re-applies
        mirror = self.state.mirror
        routing = Routing(self.state.weight, mirror.to if mirror else None, mirror.percent if mirror else 0)
        if routing == self._live and self.check_router() is None:
            return  # already live: a rollback does not wait for a reload that changes nothing
        self.state.router = self.router.apply(self.state.router, routing)
        self._live = routing
        self.session.save()

    # -- observing --------------------------------------------------------------------------------

    def watch(self) -> LocalWatch:
        return LocalWatch(self)

    def log_reader(self, track: str) -> Callable[[], list[str]]:
        def output(record: TrackRecord, offset: int) -> tuple[list[str], int]:
            return self.runtime_of(record).output(record, offset)

        return logs.Follow(lambda: self.state.tracks.get(track), output)

    # -- promotion and teardown -------------------------------------------------------------------

    def promote(self) -> None:
        """Candidate takes all traffic; stable restarts on the candidate's release; traffic moves back."""
        candidate = self.state.tracks.get(CANDIDATE)
        flight = self.state.deploy
        release = candidate.release if candidate else flight.release if flight else None
        if release is None:
            raise DeployError("nothing to promote: no candidate track and no deploy in flight")
        if self.running(STABLE) != release:
            self.set_weight(100)
            self.stop_track(STABLE)
            self.start_track(STABLE, release)
        # Also when a killed run had already restarted it: stable may still be loading.
        self.wait_healthy(STABLE, timeout=120)
        self.state.stable = release
        self.set_mirror(None)
        self.set_weight(0)
        self.stop_track(CANDIDATE)

    def down(self) -> None:
        if self._replayer is not None:
            self._replayer.stop()
            self._replayer = None
        for track in (CANDIDATE, STABLE):
            self.stop_track(track)
        self.reconcile()
        self.router.stop(self.state.router)
        self.state.router = RouterRecord(generation=self.state.router.generation)
        self.state.weight = 0
        self.state.mirror = None
        self.session.save()
        self._verify_down()

    def _verify_down(self) -> None:
        """`down` says everything stopped only once nothing of the environment listens any more."""
        ports = (self.ports.router, self.ports.replay, self.ports.stable, self.ports.candidate)
        left = [f"port {port}: {procs.describe(pid)}" for port in ports for pid in procs.listeners(port)]
        if left:
            raise DeployError(
                f"'{self.state.environment}' is not down: still listening on " + "; ".join(left),
                hint="stop those processes (they are not ci-gen's, or survived SIGKILL), then rerun",
            )

    def close(self) -> None:
        """Stop the driver's own threads (the replayer); tracks and router keep running."""
        if self._replayer is not None:
            self._replayer.stop()
            self._replayer = None

    def front_door(self) -> Url:
        return Url("127.0.0.1", self.ports.router, self.predict_path)

    def describe(self) -> dict[str, Any]:
        router_up = procs.alive(self.state.router.pid, self.state.router.start_ticks)
        tracks = {
            name: {
                "version": record.release.version,
                "release": record.release.label,
                "port": record.port,
                "pid": record.pid,
                "container": record.container,
                "running": self.runtime_of(record).running(record),
            }
            for name, record in self.state.tracks.items()
        }
        return {
            "url": f"http://127.0.0.1:{self.ports.router}",
            "router": {"running": router_up, "pid": self.state.router.pid, "config": str(self.router.conf)},
            "tracks": tracks,
        }


class LocalWatch:
    """Accumulates router log lines and prediction lines from the moment it was opened."""

    def __init__(self, target: LocalTarget) -> None:
        self.target = target
        self.since = time.time()
        self.offsets = {t: logs.size(target.router.log_path(t)) for t in (STABLE, CANDIDATE)}
        self.lines: dict[str, list[dict[str, Any]]] = {STABLE: [], CANDIDATE: []}
        self.predictions: dict[str, dict[str, Any]] = {STABLE: {}, CANDIDATE: {}}
        self.records: dict[str, TrackRecord] = dict(target.state.tracks)
        self.output_offsets = {t: target.runtime_of(r).output(r, -1)[1] for t, r in self.records.items()}

    def poll(self) -> Traffic:
        for track in (STABLE, CANDIDATE):
            self._read_router(track)
            self._read_predictions(track)
        stats = {
            (track, src): self._stats(track, src) for track in (STABLE, CANDIDATE) for src in (USER, REPLAY)
        }
        ids = {line["id"] for lines in self.lines.values() for line in lines if "id" in line}
        share, compared = logs.agreement(self.predictions[CANDIDATE], self.predictions[STABLE], ids)
        offered, shed = self.target.replay_counts()
        return Traffic(stats, share, compared, offered, shed)

    def _stats(self, track: str, src: str) -> TrackStats:
        port = self.target.ports.track(track)
        return logs.track_stats(self.lines[track], port, src, self.target.predict_path)

    def _read_router(self, track: str) -> None:
        new, self.offsets[track] = logs.records(self.target.router.log_path(track), self.offsets[track])
        self.lines[track].extend(new)

    def _read_predictions(self, track: str) -> None:
        record: TrackRecord | None = self.target.state.tracks.get(track)
        if record is None:
            return
        if record != self.records.get(track):  # a new track process: its output starts afresh
            self.records[track] = record
            self.output_offsets[track] = 0
        lines, self.output_offsets[track] = self.target.runtime_of(record).output(
            record, self.output_offsets[track]
        )
        self.predictions[track].update(logs.predictions(lines))


def _processes_with(name: str, value: str) -> list[int]:
    """Pids whose environment has name=value (readable for our own processes, as root for all)."""
    wanted = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
