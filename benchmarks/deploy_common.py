"""Shared pieces of the deploy benchmarks: fake services, a private router, users in their own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.deploy.gates import TrackStats  # noqa: E402
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Target, get, summarize  # noqa: E402
from generator.deploy.ports import free_port_block  # noqa: E402

FAKE = ROOT / "tests" / "deploy" / "fake_service.py"
BODY = b'{"features": [5.1, 3.5, 1.4, 0.2]}'


def free_block(size: int = 4, start: int = 21000) -> int:
    return free_port_block(size, range(start, 32000, 10))


@contextmanager
def fake_service(port: int, folder: Path, **model: object) -> Iterator[subprocess.Popen[bytes]]:
    """The stdlib fake model service on `port`, behaving as `model` says (tests/deploy/fake_service.py)."""
    path = folder / f"model-{port}.json"
    path.write_text(json.dumps(model))
    env = {**os.environ, "PORT": str(port), "MODEL_PATH": str(path)}
    process = subprocess.Popen([sys.executable, str(FAKE)], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while get(port, "/health") is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"fake service on {port} did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait()


def users(
    url: str, *, rate: float | None, duration: float, concurrency: int, max_requests: int = 100_000
) -> TrackStats:
    """Run the load generator in its own process (so the replayer or router never shares its GIL)."""
    code = (
        "import json,sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks.deploy_common import _users_main; _users_main(sys.argv[2:])"
    )
    argv = [
        sys.executable,
        "-c",
        code,
        str(ROOT),
        url,
        str(rate or 0),
        str(duration),
        str(concurrency),
        str(max_requests),
    ]
    result = subprocess.run(argv, check=True, capture_output=True, text=True)
    return TrackStats(**json.loads(result.stdout))


def _users_main(args: list[str]) -> None:
    url, rate, duration, concurrency, max_requests = args
    plan = LoadPlan(
        [BODY],
        rate=float(rate) or None,
        duration=float(duration),
        concurrency=int(concurrency),
        max_requests=int(max_requests),
    )
    samples = LoadGenerator(Target.parse(url), plan).run()
    stats = summarize(samples)
    print(json.dumps(stats.__dict__))


def workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="ci-gen-bench-")


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
