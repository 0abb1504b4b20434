"""Router overhead: p50/p99 of requests through ci-gen's nginx router against the same service direct.

Usage: .venv/bin/python benchmarks/deploy_router_overhead.py [--requests N] [--concurrency 1,4,16]
Closed loop (each user sends its next request when the last is answered), both paths interleaved per
concurrency level; the service is the stdlib fake, the client ci-gen's load generator in its own process.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from deploy_common import fake_service, free_block, ms, users, workdir

from generator.deploy.state import RouterRecord
from generator.deploy.targets.local.router import NginxRouter, Ports, Routing

HEADER = "| concurrency | direct p50 ms | nginx p50 ms | direct p99 ms | nginx p99 ms | p50 | p99 |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,4,16")
    args = parser.parse_args()
    with workdir() as folder:
        run(Path(folder), args.requests, [int(c) for c in args.concurrency.split(",")])


def run(folder: Path, requests: int, levels: list[int]) -> None:
    ports = Ports.block(free_block())
    router = NginxRouter(folder / "router", ports)
    with fake_service(ports.stable, folder):
        record = router.apply(RouterRecord(), Routing(weight=0))
        try:
            print(HEADER)
            print("| --- | --- | --- | --- | --- | --- | --- |")
            for level in levels:
                direct = users(
                    f"http://127.0.0.1:{ports.stable}/predict",
                    rate=None,
                    duration=120,
                    concurrency=level,
                    max_requests=requests,
                )
                routed = users(
                    f"http://127.0.0.1:{ports.router}/predict",
                    rate=None,
                    duration=120,
                    concurrency=level,
                    max_requests=requests,
                )
                ratio50 = (routed.p50 or 0) / (direct.p50 or 1)
                ratio99 = (routed.p99 or 0) / (direct.p99 or 1)
                print(
                    f"| {level} | {ms(direct.p50)} | {ms(routed.p50)} | {ms(direct.p99)} | "
                    f"{ms(routed.p99)} | {ratio50:.2f}x | {ratio99:.2f}x |"
                )
                assert direct.errors == routed.errors == 0, "requests failed"
        finally:
            router.stop(record)


if __name__ == "__main__":
    main()
