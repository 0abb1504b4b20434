"""How long `ci-gen monitor` takes over 10^4, 10^5 and 10^6 logged predictions, and how it grows.

A throw-away project gets a spec with `monitor:`, 20 000 synthetic reference rows (four numeric features,
one categorical, a categorical prediction) and `ci-gen profile`. For each size a prediction log in the
serving contract's format (one line per request, one row each, a drifted numeric feature) is written,
then `ci-gen monitor --log FILE --json` runs as a cold process, `--rounds` times; the medians of wall and
CPU time are reported (on a shared machine, CPU time is the figure to trust) with the log's size and the
peak memory of the process. Needs the monitor extra (numpy, scipy).

    .venv/bin/python benchmarks/monitor.py [--sizes 10000 100000 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CI_GEN = Path(sys.executable).with_name("ci-gen")
SPEC = """\
version: 1
project: bench
python: "3.11"
model: {train: "true", metrics: m.json, artifacts: [m.json]}
monitor: {reference: reference.jsonl}
"""
PLANS = ("basic", "pro", "team", "free")


def row(rng: random.Random, shift: float) -> dict[str, object]:
    return {
        "age": round(rng.gauss(40 + shift, 12), 1),
        "income": round(rng.lognormvariate(10, 0.5), 2),
        "visits": rng.randint(0, 30),
        "score": round(rng.random(), 4),
        "plan": rng.choice(PLANS),
    }


def write_project(folder: Path) -> None:
    rng = random.Random(1)
    (folder / "ci-gen.yaml").write_text(SPEC)
    (folder / "requirements.in").write_text("")
    with (folder / "reference.jsonl").open("w") as out:
        for _ in range(20_000):
            record = row(rng, 0)
            out.write(
                json.dumps({**record, "prediction": "churn" if record["visits"] < 5 else "stay"}) + "\n"
            )
    subprocess.run([str(CI_GEN), "-C", str(folder), "profile"], check=True, capture_output=True)


def write_log(path: Path, count: int) -> None:
    rng = random.Random(count)
    with path.open("w") as out:
        for index in range(count):
            inputs = row(rng, 5)
            label = "churn" if inputs["visits"] < 5 else "stay"
            line = {
                "event": "prediction",
                "request_id": f"r{index}",
                "predictions": [label],
                "inputs": [inputs],
            }
            out.write(json.dumps(line, separators=(",", ":")) + "\n")


def timed(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system: what load from other processes does not inflate) and
    the peak resident memory in MB (ru_maxrss of the largest child so far)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, after.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ci-gen-bench-monitor-"))
    try:
        write_project(folder)
        print(f"# {platform.python_version()} on {platform.machine()}, {args.rounds} rounds, median")
        print("| logged predictions | log size | wall | CPU (user+sys) | CPU per 10^5 | peak memory |")
        print("|---|---|---|---|---|---|")
        for size in args.sizes:
            log = folder / f"predictions-{size}.log"
            write_log(log, size)
            argv = [str(CI_GEN), "-C", str(folder), "monitor", "--log", str(log), "--json"]
            runs = [timed(argv) for _ in range(args.rounds)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            mb, peak = log.stat().st_size / 1e6, runs[-1][2]
            per = cpu / size * 1e5
            print(f"| {size:,} | {mb:.0f} MB | {wall:.2f} s | {cpu:.2f} s | {per:.2f} s | {peak:.0f} MB |")
            log.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
