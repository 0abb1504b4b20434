"""Shadow non-interference: stable's latency while its traffic is copied to a candidate that takes 1 s
per request, against no shadow at all, and against nginx's own `mirror` directive for contrast.

Usage: .venv/bin/python benchmarks/deploy_shadow_interference.py [--rate 40] [--seconds 10] [--rounds 2]
Users: open loop at --rate requests/s (8 connections) in their own process. Configurations, interleaved
for --rounds rounds: `none` (no shadow), `ci-gen` (the router logs each request body; the replayer sends
copies to the candidate), `nginx-mirror` (`mirror` + `mirror_request_body`, what ci-gen avoids).
Target: ci-gen's p99 within 1.1x of none's.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time
from pathlib import Path

from deploy_common import fake_service, free_block, ms, users, workdir

from generator.deploy.gates import TrackStats
from generator.deploy.replay import LiveReplayer
from generator.deploy.state import RouterRecord, atomic_write
from generator.deploy.targets.local import logs
from generator.deploy.targets.local.router import NginxRouter, Ports, Routing

NAIVE_MIRROR = """    location / {
      mirror /_mirror;
      mirror_request_body on;
      proxy_pass http://tracks;
    }
    location = /_mirror {
      internal;
      proxy_pass http://127.0.0.1:%d$request_uri;
    }"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with workdir() as folder:
        run(Path(folder), args.rate, args.seconds, args.rounds)


def run(folder: Path, rate: float, seconds: float, rounds: int) -> None:
    ports = Ports.block(free_block())
    router = NginxRouter(folder / "router", ports)
    results: dict[str, list[tuple[float, float, int]]] = {"none": [], "ci-gen": [], "nginx-mirror": []}
    with fake_service(ports.stable, folder), fake_service(ports.candidate, folder, mode="slow", delay=1.0):
        record = router.apply(RouterRecord(), Routing(weight=0))
        try:
            for _ in range(rounds):
                for name in results:
                    record, stats, extra = measure(name, router, record, ports, rate, seconds)
                    results[name].append((stats.p50 or 0, stats.p99 or 0, stats.errors))
                    print(
                        f"  {name}: p50 {ms(stats.p50)} ms, p99 {ms(stats.p99)} ms, "
                        f"errors {stats.errors}{extra}",
                        flush=True,
                    )
        finally:
            router.stop(record)
    report(results)


def measure(
    name: str, router: NginxRouter, record: RouterRecord, ports: Ports, rate: float, seconds: float
) -> tuple[RouterRecord, TrackStats, str]:
    extra = ""
    if name == "none":
        record = router.apply(record, Routing(weight=0))
    elif name == "nginx-mirror":
        record = naive_mirror(router, record, ports)
    else:
        record = router.apply(record, Routing(weight=0, mirror_to="candidate", mirror_percent=100))
    replayer = None
    if name == "ci-gen":
        replayer = LiveReplayer(
            router.mirror_log, logs.size(router.mirror_log), ports.replay, "candidate"
        ).start()
    stats = users(f"http://127.0.0.1:{ports.router}/predict", rate=rate, duration=seconds, concurrency=8)
    if replayer is not None:
        counts = replayer.stop()
        extra = f" (replayed {counts.sent}, shed {counts.shed} of {counts.read} copies)"
    time.sleep(1.2)  # let copies still in flight to the 1 s candidate finish before the next run
    return record, stats, extra


def naive_mirror(router: NginxRouter, record: RouterRecord, ports: Ports) -> RouterRecord:
    """ci-gen's config with its `location /` swapped for nginx's mirror directive, reloaded."""
    generation = record.generation + 1
    text = router.render(Routing(weight=0), generation)
    plain = "    location / {\n      proxy_pass http://tracks;\n    }"
    assert plain in text, "the router config changed; update this benchmark"
    atomic_write(router.conf, text.replace(plain, NAIVE_MIRROR % ports.candidate, 1))
    os.kill(record.pid or 0, signal.SIGHUP)
    while router.generation() != generation:
        time.sleep(0.02)
    router.drain(record)
    return RouterRecord(pid=record.pid, start_ticks=record.start_ticks, generation=generation)


def report(results: dict[str, list[tuple[float, float, int]]]) -> None:
    base50 = statistics.median(r[0] for r in results["none"])
    base99 = statistics.median(r[1] for r in results["none"])
    print("\n| configuration | stable p50 ms | stable p99 ms | p99 vs none | failed requests |")
    print("| --- | --- | --- | --- | --- |")
    for name, runs in results.items():
        p50 = statistics.median(r[0] for r in runs)
        p99 = statistics.median(r[1] for r in runs)
        print(f"| {name} | {p50:.2f} | {p99:.2f} | {p99 / base99:.2f}x | {sum(r[2] for r in runs)} |")
    ratio = statistics.median(r[1] for r in results["ci-gen"]) / base99
    print(f"\nci-gen shadow p99 / no-shadow p99 = {ratio:.2f}x (target <= 1.10x); base p50 {base50:.2f} ms")


if __name__ == "__main__":
    main()
