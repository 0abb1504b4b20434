"""How long `ci-gen` takes to start, against a bare `python -c pass` on the same machine.

One run interleaves N rounds of three cold processes, so that load on a shared machine hits all of them
alike: `python -c pass`, `ci-gen check` on an up-to-date copy of example_project (the quick path, which
answers from the file headers) and `ci-gen generate` on a copy whose workflows were deleted (a full load,
render, verify and write). It reports medians and their ratios to `python -c pass`, and exits 1 when a
target is missed.

ci-gen's own modules are byte-compiled first, as installing the wheel does (a checkout run with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile their source in every process), and the warm-up rounds
fill the templates' bytecode cache, as the first `generate` after an install or a template change does.

    .venv/bin/python benchmarks/cli_startup.py [--rounds 30] [--baseline DIR] [--instructions]

--baseline DIR adds `generate` of another checkout (e.g. `git archive REV | tar -x -C DIR`), run on that
checkout's example project, to the same interleaved rounds. --instructions also counts the instructions of
one run of each command with valgrind's callgrind: on a shared, loaded machine a count that load cannot move.
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


Command = tuple[list[str], Callable[[], None]]  # argv, untimed set-up


def timed(argv: list[str], before: Callable[[], None]) -> float:
    """Seconds for one cold process; `before` runs untimed (e.g. deleting the workflows)."""
    before()
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.decode()}")
    return elapsed


def project(workdir: Path, name: str, example: Path = EXAMPLE) -> Path:
    root = workdir / name
    shutil.copytree(example, root, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return root


def commands(workdir: Path) -> dict[str, Command]:
    ci_gen = str(Path(sys.executable).with_name("ci-gen"))
    checked, generated = project(workdir, "checked"), project(workdir, "generated")
    subprocess.run([ci_gen, "-C", str(checked), "generate"], stdout=subprocess.DEVNULL, check=True)
    return {
        "python -c pass": ([sys.executable, "-c", "pass"], lambda: None),
        "check": ([ci_gen, "-C", str(checked), "check"], lambda: None),
        "generate": ([ci_gen, "-C", str(generated), "generate"], _deleter(generated)),
    }


def baseline(workdir: Path, checkout: Path) -> Command:
    """`generate` of another checkout, on its own example project, from its byte-compiled modules."""
    compileall.compile_dir(checkout / "generator", quiet=1)
    generated = project(workdir, "baseline", checkout / "example_project")
    # The checkout first on sys.path (PYTHONPATH would come after the current folder that -c and -m add).
    code = f"import sys; sys.path.insert(0, {str(checkout)!r}); from generator.cli import main; main()"
    return [sys.executable, "-c", code, "-C", str(generated), "generate"], _deleter(generated)


def _deleter(root: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(root / ".github" / "workflows", True)


def measure(rounds: int, checkout: Path | None, instructions: bool) -> dict[str, list[float]]:
    compileall.compile_dir(REPO / "generator", quiet=1)
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-") as folder:
        todo = commands(Path(folder))
        if checkout:
            todo["generate (baseline)"] = baseline(Path(folder), checkout)
        times: dict[str, list[float]] = {name: [] for name in todo}
        for index in range(WARMUP + rounds):
            order = list(todo)
            shift = index % len(order)
            order = order[shift:] + order[:shift]  # rotate, so no command always goes first
            for name in order:
                elapsed = timed(*todo[name])
                if index >= WARMUP:
                    times[name].append(elapsed)
        if instructions:
            report_instructions({name: count_instructions(*command) for name, command in todo.items()})
        return times


def count_instructions(argv: list[str], before: Callable[[], None]) -> int:
    """Instructions executed by one run of `argv` (valgrind's callgrind), set-up untimed as for timings."""
    before()
    tool = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run([*tool, *argv], capture_output=True, text=True, check=False)
    counted = [line.rsplit(":", 1)[1] for line in result.stderr.splitlines() if "Collected :" in line]
    if result.returncode != 0 or not counted:
        raise SystemExit(f"valgrind {' '.join(argv)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return int(counted[0].strip())


def report_instructions(counts: dict[str, int]) -> None:
    base = counts["python -c pass"]
    print("instructions (one run each, valgrind --tool=callgrind)")
    for name, count in counts.items():
        print(f"{name:<20} {count / 1e6:9.1f}M {count / base:6.1f}x")


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
    print(f"{'command':<20} {'median':>9} {'min':>9} {'ratio':>7} {'target':>7}")
    ok = True
    for name, samples in times.items():
        median = statistics.median(samples)
        target = TARGETS.get(name)
        passed = target is None or median / base <= target
        ok &= passed
        shown = f"<= {target:g}x" if target else ""
        flag = "" if passed else "  MISSED"
        times_ms = f"{median * 1000:7.1f}ms {min(samples) * 1000:7.1f}ms"
        print(f"{name:<20} {times_ms} {median / base:6.1f}x {shown:>7}{flag}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30, help="measured rounds (default: 30)")
    parser.add_argument("--baseline", type=Path, help="a checkout of another revision to compare with")
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = parser.parse_args()
    times = measure(args.rounds, args.baseline, args.instructions)
    return 0 if report(times) else 1


if __name__ == "__main__":
    sys.exit(main())
