"""How long `ci-gen` takes to start, against a bare `python -c pass` on the same machine.

One run interleaves N rounds of three cold processes, so that load on a shared machine hits all of them
alike: `python -c pass`, `ci-gen check` on an up-to-date copy of example_project (the quick path, which
answers from the file headers) and `ci-gen generate` on a copy whose workflows were deleted (a full load,
render, verify and write). It reports medians and their ratios to `python -c pass`, and exits 1 when a
target is missed.

ci-gen's own modules are byte-compiled first, as installing the wheel does (a checkout run with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile their source in every process), and the warm-up rounds
fill the templates' bytecode cache, as the first `generate` after an install or a template change does.

    .venv/bin/python benchmarks/cli_startup.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_project"
WARMUP = 2
TARGETS = {"check": 5.0, "generate": 15.0}  # median / median of `python -c pass`


def timed(argv: list[str], before: Callable[[], None] = lambda: None) -> float:
    """Seconds for one cold process; `before` runs untimed (e.g. deleting the workflows)."""
    before()
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode()}")
    return elapsed


def project(workdir: Path, name: str) -> Path:
    root = workdir / name
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return root


def commands(workdir: Path) -> dict[str, tuple[list[str], Callable[[], None]]]:
    ci_gen = str(Path(sys.executable).with_name("ci-gen"))
    checked, generated = project(workdir, "checked"), project(workdir, "generated")
    subprocess.run([ci_gen, "-C", str(checked), "generate"], stdout=subprocess.DEVNULL, check=True)
    workflows = generated / ".github" / "workflows"
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], lambda: None),
        "check": ([ci_gen, "-C", str(checked), "check"], lambda: None),
        "generate": ([ci_gen, "-C", str(generated), "generate"], lambda: shutil.rmtree(workflows, True)),
    }


def measure(rounds: int) -> dict[str, list[float]]:
    compileall.compile_dir(REPO / "generator", quiet=1)
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-") as folder:
        todo = commands(Path(folder))
        times: dict[str, list[float]] = {name: [] for name in todo}
        for index in range(WARMUP + rounds):
            order = list(todo)
            order = order[index % 3 :] + order[: index % 3]  # rotate, so no command always goes first
            for name in order:
                elapsed = timed(*todo[name])
                if index >= WARMUP:
                    times[name].append(elapsed)
        return times


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.machine(),
    )
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}"


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def report(times: dict[str, list[float]]) -> bool:
    base = statistics.median(times["python -c pass"])
    print(f"machine: {machine()}")
    print(f"rounds: {len(times['check'])} (after {WARMUP} warm-up), medians of cold processes")
    print(f"{'command':<16} {'median':>9} {'min':>9} {'ratio':>7} {'target':>7}")
    ok = True
    for name, samples in times.items():
        median = statistics.median(samples)
        target = TARGETS.get(name)
        passed = target is None or median / base <= target
        ok &= passed
        shown = f"<= {target:g}x" if target else ""
        flag = "" if passed else "  MISSED"
        times_ms = f"{median * 1000:7.1f}ms {min(samples) * 1000:7.1f}ms"
        print(f"{name:<16} {times_ms} {median / base:6.1f}x {shown:>7}{flag}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30, help="measured rounds (default: 30)")
    args = parser.parse_args()
    return 0 if report(measure(args.rounds)) else 1


if __name__ == "__main__":
    sys.exit(main())
