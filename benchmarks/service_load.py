"""Load-test the example service: gunicorn (as the image runs it) against Flask's development server.

    .venv/bin/python benchmarks/service_load.py [--seconds 5] [--rounds 2] [--concurrency 1,8,32]

Installs the example's runtime lock (with hashes) into a venv cached under ~/.cache/ci-gen/bench, trains
the model into a temporary folder, starts both servers on free ports of 127.0.0.1, and runs `hey` (Debian
package `hey`) for single-row and 32-row predictions at each concurrency. Servers, payloads and
concurrency levels are interleaved round by round, so load from other processes falls on all of them
alike. Prints one Markdown table (median over rounds) and the gunicorn/dev-server throughput ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.deploy.ports import free_port

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_project"
ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
PAYLOADS = {"single": {"features": ROW}, "batch32": {"instances": [ROW] * 32}}
_FIGURES = (r"Requests/sec:\s+([\d.]+)", r"\s50%+ in ([\d.]+) secs", r"\s99%+ in ([\d.]+) secs")
SERVERS = {
    "gunicorn": [
        "-m",
        "gunicorn",
        "--config",
        "python:iris_classifier.gunicorn_conf",
        "iris_classifier.service:create_app()",
    ],
    "flask-dev": [
        "-c",
        "import os; from iris_classifier.service import create_app; "
        "create_app().run(host='127.0.0.1', port=int(os.environ['PORT']), threaded=True)",
    ],
}


def example_venv() -> Path:
    """A venv with the example's runtime lock, cached by the lock's content."""
    lock = (EXAMPLE / "requirements.txt").read_bytes()
    venv = Path.home() / ".cache" / "ci-gen" / "bench" / f"example-{hashlib.sha256(lock).hexdigest()[:12]}"
    if not (venv / "bin" / "gunicorn").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True)
        pip = [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--require-hashes",
            "--no-deps",
        ]
        subprocess.run([*pip, "-r", str(EXAMPLE / "requirements.txt")], check=True)
    return venv


@contextmanager
def server(venv: Path, name: str, model: Path) -> Iterator[str]:
    """Start one server; yield its /predict URL once /health answers."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "MODEL_PATH": str(model),
        "PYTHONPATH": str(EXAMPLE),
        "LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [str(venv / "bin" / "python"), *SERVERS[name]],
        env=env,
        cwd=EXAMPLE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(port)
        yield f"http://127.0.0.1:{port}/predict"
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = subprocess.run(
            ["curl", "-fs", f"http://127.0.0.1:{port}/health"], capture_output=True, check=False
        )
        if result.returncode == 0:
            return
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} never became healthy")


def hey(url: str, body: Path, concurrency: int, seconds: int) -> dict[str, float]:
    """Requests/s and p50/p99 latency (ms) from one `hey` run; errors count as a failed benchmark."""
    argv = [
        "hey",
        "-z",
        f"{seconds}s",
        "-c",
        str(concurrency),
        "-m",
        "POST",
        "-T",
        "application/json",
        "-D",
        str(body),
        url,
    ]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    if "Error distribution" in output or not re.search(r"\[200\]\s+\d+ responses", output):
        raise SystemExit(f"hey saw errors:\n{output}")
    found = [re.search(pattern, output) for pattern in _FIGURES]
    if not all(found):
        raise SystemExit(f"cannot read hey's output:\n{output}")
    rps, p50, p99 = (float(match.group(1)) for match in found if match)
    return {"rps": rps, "p50": p50 * 1000, "p99": p99 * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", default="1,8,32")
    args = parser.parse_args()
    if shutil.which("hey") is None:
        raise SystemExit("hey is not installed (apt-get install hey; scripts/ci-setup-podman.sh installs it)")
    levels = [int(c) for c in args.concurrency.split(",")]
    venv = example_venv()
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-") as folder:
        return measure(venv, Path(folder), levels, args)


def measure(venv: Path, folder: Path, levels: list[int], args: argparse.Namespace) -> int:
    python = str(venv / "bin" / "python")
    subprocess.run(
        [python, "-m", "iris_classifier.train", "--out", str(folder)],
        cwd=EXAMPLE,
        check=True,
        env={**os.environ, "PYTHONPATH": str(EXAMPLE)},
        capture_output=True,
    )
    bodies = {}
    for name, payload in PAYLOADS.items():
        bodies[name] = folder / f"{name}.json"
        bodies[name].write_text(json.dumps(payload))
    samples: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    with (
        server(venv, "gunicorn", folder / "model.joblib") as gunicorn,
        server(venv, "flask-dev", folder / "model.joblib") as dev,
    ):
        urls = {"gunicorn": gunicorn, "flask-dev": dev}
        for round_number in range(args.rounds):
            order = list(urls) if round_number % 2 == 0 else list(reversed(urls))
            for level in levels:
                for payload in PAYLOADS:
                    for name in order:
                        result = hey(urls[name], bodies[payload], level, args.seconds)
                        samples.setdefault((name, payload, level), []).append(result)
                        line = f"{name:9} {payload:7} c={level:<3} {result['rps']:8.1f} req/s"
                        print(f"round {round_number + 1} {line}", file=sys.stderr)
    report(samples, levels)
    return 0


def report(samples: dict[tuple[str, str, int], list[dict[str, float]]], levels: list[int]) -> None:
    def median(key: tuple[str, str, int], field: str) -> float:
        return statistics.median(sample[field] for sample in samples[key])

    print("| payload | concurrency | server | req/s | p50 ms | p99 ms | gunicorn / dev req/s |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for payload in PAYLOADS:
        for level in levels:
            ratio = median(("gunicorn", payload, level), "rps") / median(("flask-dev", payload, level), "rps")
            for name in ("gunicorn", "flask-dev"):
                key = (name, payload, level)
                shown = f"{ratio:.2f}x" if name == "gunicorn" else ""
                print(
                    f"| {payload} | {level} | {name} | {median(key, 'rps'):.0f} | {median(key, 'p50'):.1f} | "
                    f"{median(key, 'p99'):.1f} | {shown} |"
                )


if __name__ == "__main__":
    sys.exit(main())
