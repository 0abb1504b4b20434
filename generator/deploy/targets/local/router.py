"""nginx as the local router: weighted splitting between the stable and candidate tracks, JSON access
logs per track, and the request-body log that feeds shadow traffic to the other track.

ci-gen owns one nginx per environment under the state folder (`nginx -p DIR`); every change rewrites the
whole config from the state, checks it with `nginx -t`, and reloads gracefully (SIGHUP: old workers finish
their requests). Each config carries a generation number served on the replay port, so a change is
known to be live once that number answers.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from generator.deploy.loadgen import get
from generator.deploy.state import RouterRecord, atomic_write
from generator.deploy.targets.local import procs
from generator.errors import DeployError, UsageError

SRC_USER = "user"
SRC_REPLAY = "replay"
TRACKS = ("stable", "candidate")

# One line per request, JSON-escaped by nginx itself. $request_time is what the user waited.
LOG_FORMAT = (
    '\'{"t":$msec,"id":"$req_id","src":"$src","uri":"$uri","status":$status,'
    '"rt":$request_time,"up":"$upstream_addr","ups":"$upstream_status",'
    '"urt":"$upstream_response_time"}\''
)
BODY_FORMAT = (
    '\'{"t":$msec,"id":"$req_id","method":"$request_method","uri":"$request_uri",'
    '"ctype":"$content_type","body":"$request_body"}\''
)


@dataclass(frozen=True)
class Ports:
    """The four ports of one environment: users, stable track, candidate track, replay (ci-gen only)."""

    router: int
    stable: int
    candidate: int
    replay: int

    @classmethod
    def block(cls, base: int) -> Ports:
        return cls(base, base + 1, base + 2, base + 3)

    def track(self, name: str) -> int:
        return self.stable if name == "stable" else self.candidate


@dataclass(frozen=True)
class Routing:
    """What the router should do: the candidate's share of user traffic, and what to mirror where."""

    weight: int = 0
    mirror_to: str | None = None  # log bodies of requests the *other* track answered, for replay to this one
    mirror_percent: int = 0


class NginxRouter:
    """One private nginx: renders its config, starts, reloads and stops it."""

    def __init__(self, folder: Path, ports: Ports, max_body: str = "1m") -> None:
        self.folder = folder
        self.ports = ports
        self.max_body = max_body
        self.conf = folder / "nginx.conf"
        self.logs = folder / "logs"

    def preflight(self) -> None:
        if shutil.which("nginx") is None:
            raise DeployError(
                "nginx is not installed; the local target routes traffic through it",
                hint="apt-get install nginx-light (or nginx)",
            )

    def log_path(self, track: str) -> Path:
        return self.logs / f"{track}.jsonl"

    @property
    def mirror_log(self) -> Path:
        return self.logs / "mirror.jsonl"

    def render(self, routing: Routing, generation: int) -> str:
        """The whole nginx.conf for this routing; pure."""
        return _CONFIG.format(
            dir=nginx_string(str(self.folder)),
            log_format=LOG_FORMAT,
            body_format=BODY_FORMAT,
            max_body=nginx_string(self.max_body),
            upstream=self._upstream(routing.weight),
            track_maps=self._track_maps(),
            mirror=self._mirror(routing),
            p=self.ports,
            generation=generation,
        )

    def _upstream(self, weight: int) -> str:
        stable = f"127.0.0.1:{self.ports.stable}"
        candidate = f"127.0.0.1:{self.ports.candidate}"
        if weight <= 0:
            return f"server {stable} max_fails=0;"
        if weight >= 100:
            # Stable stays as a backup: a candidate refusing connections fails over instead of failing users.
            return f"server {candidate} max_fails=0;\n    server {stable} backup max_fails=0;"
        return (
            f"server {stable} weight={100 - weight} max_fails=0;\n"
            f"    server {candidate} weight={weight} max_fails=0;"
        )

    def _track_maps(self) -> str:
        lines = []
        for track in TRACKS:
            port = self.ports.track(track)
            lines.append(f'map $upstream_addr $via_{track} {{ "~:{port}(,|$)" 1; default ""; }}')
        return "\n  ".join(lines)

    def _mirror(self, routing: Routing) -> str:
        if not routing.mirror_to or routing.mirror_percent <= 0:
            return 'map $uri $mirror_log { default ""; }'
        source = "stable" if routing.mirror_to == "candidate" else "candidate"
        percent = min(routing.mirror_percent, 100)
        sample = (
            f'split_clients "${{req_id}}" $mirror_sample {{ {percent}% 1; * ""; }}'
            if percent < 100
            else ("map $uri $mirror_sample { default 1; }")
        )
        return f'{sample}\n  map $via_{source} $mirror_log {{ 1 $mirror_sample; default ""; }}'

    # -- process control -------------------------------------------------------------------------

    def apply(self, record: RouterRecord, routing: Routing) -> RouterRecord:
        """Write the config for `routing`, then start nginx or reload it; return when it is live."""
        generation = record.generation + 1
        for sub in ("logs", "tmp"):
            (self.folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        private_log(self.mirror_log)  # request bodies: nginx appends to the file, keeping its mode
        self._write_config(self.render(routing, generation))
        self._check_config()
        if procs.alive(record.pid, record.start_ticks):
            os.kill(record.pid or 0, signal.SIGHUP)
            pid, ticks = record.pid, record.start_ticks
            self._wait_generation(generation, pid, ticks)
        else:
            pid, ticks = self._replace(record, generation)
        return RouterRecord(pid=pid, start_ticks=ticks, generation=generation)

    def _replace(self, record: RouterRecord, generation: int) -> tuple[int | None, int | None]:
        """Start nginx where the recorded one died. Its orphaned workers may still hold the ports: the
        new one binds beside them (`reuseport`) and only then are they told to finish and quit, so users
        see no gap. If they bound without `reuseport` (an older config), end them first."""
        strays = self.strays(record)
        try:
            pid, ticks = self._start()
            self._wait_generation(generation, pid, ticks)
        except DeployError:
            if not strays:
                raise
            self.end(strays)
            pid, ticks = self._start()
            self._wait_generation(generation, pid, ticks)
        self.end(strays)
        return pid, ticks

    def _write_config(self, text: str) -> None:
        try:
            atomic_write(self.conf, text)
        except OSError as exc:
            if exc.errno != errno.ENOSPC or not self.conf.exists():
                raise DeployError(f"cannot write the router's config {self.conf}: {exc.strerror}") from exc
            # A full disk has no room for a second copy, but overwriting the file in place frees its
            # blocks first: how traffic still goes back to stable when the state folder filled up.
            with self.conf.open("r+", encoding="utf-8") as handle:
                handle.truncate(0)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())

    def drain(self, record: RouterRecord, timeout: float = 35.0) -> None:
        """Wait until workers of older configs have finished their requests and exited (after a reload they
        keep serving what they had), so a track that no config routes to any more can be stopped."""
        if not procs.alive(record.pid, record.start_ticks) or record.pid is None:
            return
        deadline = time.monotonic() + timeout
        while len(procs.children(record.pid)) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self, record: RouterRecord) -> None:
        """Graceful stop (SIGQUIT lets workers finish), then make sure the whole group is gone (a worker
        whose master was killed keeps serving until its group is ended)."""
        if procs.alive(record.pid, record.start_ticks) and record.pid:
            os.kill(record.pid, signal.SIGQUIT)
            deadline = time.monotonic() + 10
            while procs.alive(record.pid, record.start_ticks) and time.monotonic() < deadline:
                time.sleep(0.05)
            procs.stop_group(record.pid, record.start_ticks, grace=1)
        self.clear_strays(record)

    def clear_strays(self, record: RouterRecord) -> list[str]:
        """Stop what is left of a router that died; return what was stopped."""
        strays = self.strays(record)
        self.end(strays)
        return [f"a stray router process {procs.describe(pid)}" for pid in strays]

    def strays(self, record: RouterRecord) -> list[int]:
        """Listeners on the router's ports that are nginx processes of this folder no live master of
        ours owns (a worker whose master was killed holds the port and serves the old split)."""
        master_up = procs.alive(record.pid, record.start_ticks)
        found = []
        for port in (self.ports.router, self.ports.replay):
            for pid in procs.listeners(port):
                group = procs.group_of(pid)
                if procs.cwd_of(pid) == self.folder.resolve() and not (master_up and group == record.pid):
                    found.append(pid)
        return sorted(set(found))

    def end(self, strays: list[int]) -> None:
        """Graceful quit (finish requests, close idle connections), then end their groups."""
        for pid in strays:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGQUIT)
        for pid in strays:
            procs.stop_group(procs.group_of(pid) or pid, None, grace=3)

    def _nginx(self, *extra: str) -> list[str]:
        return ["nginx", "-p", f"{self.folder}/", "-c", str(self.conf), *extra]

    def _check_config(self) -> None:
        result = subprocess.run(self._nginx("-t", "-q"), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DeployError(f"nginx rejected the generated config {self.conf}: {result.stderr.strip()}")

    def _start(self) -> tuple[int | None, int | None]:
        # In the foreground of its own session (master and workers one group): we hold its pid, and it
        # outlives this driver and the CI job that ran it.
        pid, ticks = procs.spawn(
            self._nginx("-g", "daemon off;"),
            cwd=self.folder,
            env={"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin")},
            stdout=self.logs / "nginx.out",
            stderr=self.logs / "nginx.out",
        )
        return pid, ticks

    def _wait_generation(self, generation: int, pid: int | None, ticks: int | None) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not procs.alive(pid, ticks):
                raise DeployError(f"nginx exited: {self._last_error()}")
            if self.generation() == generation:
                return
            time.sleep(0.02)
        raise DeployError(
            f"nginx did not load config generation {generation} within 10 s: {self._last_error()}"
        )

    def generation(self) -> int | None:
        """The config generation the router serves now, or None if it does not answer."""
        answer = get(self.ports.replay, "/_ci-gen/generation", timeout=1)
        try:
            return int(answer[1].strip()) if answer and answer[0] == 200 else None
        except ValueError:
            return None

    def _last_error(self) -> str:
        for name in ("error.log", "nginx.out"):
            path = self.logs / name
            if path.exists() and path.stat().st_size:
                return path.read_text(errors="replace").strip().splitlines()[-1]
        return "no error logged"


def private_log(path: Path) -> None:
    """Create `path` readable by its owner only (or make it so), never through a link."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def empty_log(path: Path) -> None:
    """Empty a log nobody reads any more (nginx keeps appending to the same, now empty, file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def nginx_string(value: str) -> str:
    """`value` for the inside of a double-quoted nginx string: quotes and backslashes escaped. `$` (a
    variable in access_log paths) and control characters (a line break ends a directive in error
    messages, and is never part of a path ci-gen makes) are refused rather than escaped."""
    if "$" in value or not value.isprintable():
        raise UsageError(
            f"{value!r} cannot go into the nginx configuration: no '$' or control characters",
            hint="use a state folder whose path has letters, digits and . _ / - only",
        )
    return value.replace("\\", "\\\\").replace('"', '\\"')


_CONFIG = """\
# Generated by ci-gen from the deploy state; rewritten on every change. Do not edit.
worker_processes 1;
error_log "{dir}/logs/error.log" warn;
pid "{dir}/nginx.pid";
events {{ worker_connections 4096; }}

http {{
  client_body_temp_path "{dir}/tmp/body";
  proxy_temp_path "{dir}/tmp/proxy";
  fastcgi_temp_path "{dir}/tmp/fastcgi";
  uwsgi_temp_path "{dir}/tmp/uwsgi";
  scgi_temp_path "{dir}/tmp/scgi";
  # Bodies stay in one memory buffer so $request_body can be logged for shadow replay.
  client_max_body_size "{max_body}";
  client_body_buffer_size "{max_body}";
  client_body_in_single_buffer on;
  keepalive_requests 100000;

  log_format cigen escape=json {log_format};
  log_format cigen_body escape=json {body_format};

  # Keep a caller's request id when it is safe to echo (the serving contract's alphabet), else mint one.
  map $http_x_request_id $req_id {{
    "~^[A-Za-z0-9._-]{{1,128}}$" $http_x_request_id;
    default $request_id;
  }}
  {track_maps}
  {mirror}
  map $http_x_ci_gen_track $replay_to {{
    candidate 127.0.0.1:{p.candidate};
    default 127.0.0.1:{p.stable};
  }}

  upstream tracks {{
    {upstream}
    # Reused connections to the tracks; closed before a track's own idle timeout (gunicorn: 5 s), so nginx
    # never sends a request down a connection the track is closing.
    keepalive 32;
    keepalive_timeout 4s;
  }}

  access_log "{dir}/logs/stable.jsonl" cigen if=$via_stable;
  access_log "{dir}/logs/candidate.jsonl" cigen if=$via_candidate;

  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Request-ID $req_id;
  proxy_connect_timeout 2s;
  proxy_send_timeout 30s;
  proxy_read_timeout 30s;
  # A refused connection (a track that died) goes to the other track; a sent POST is never repeated.
  proxy_next_upstream error timeout;

  server {{
    listen 127.0.0.1:{p.router} reuseport;
    set $src user;
    access_log "{dir}/logs/stable.jsonl" cigen if=$via_stable;
    access_log "{dir}/logs/candidate.jsonl" cigen if=$via_candidate;
    access_log "{dir}/logs/mirror.jsonl" cigen_body if=$mirror_log;
    location / {{
      proxy_pass http://tracks;
    }}
  }}

  # ci-gen's own port: replayed (shadow) requests to a named track, and the config generation.
  server {{
    listen 127.0.0.1:{p.replay} reuseport;
    set $src replay;
    location / {{
      proxy_pass http://$replay_to;
      proxy_next_upstream off;
      proxy_read_timeout 10s;
    }}
    location = /_ci-gen/generation {{
      access_log off;
      return 200 "{generation}\\n";
    }}
  }}
}}
"""
