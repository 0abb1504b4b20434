"""The example's pipeline before and after issue 11's job graph, rehearsed in one run on this machine.

    .venv/bin/python benchmarks/pipeline_critical_path.py [--rounds 1] [--warm-up] [--base REV] [--no-build]

"Before" is `example_project` as it was at --base (default: main just before the change, whose
workflow ran lock -> test -> model -> build, and a publish job that built again). "After" is the working
tree's example, whose workflow runs lock -> (test and model side by side) -> build, with installs that
skip byte-compiling. Both are rehearsed as a pull request, `ci-gen rehearse build`: every job the build
needs, then the build (podman, from the debootstrap base image of scripts/ci-setup-podman.sh) and its
smoke test. Without podman and that image, or with --no-build, the lock, test and model jobs only.

The figure compared is the critical path from the rehearsal's own job times (generator/rehearse/timing.py,
what `ci-gen rehearse` prints): the longest chain of `needs`, each job counted at its slowest matrix leg,
which is how long the run takes on GitHub, where independent jobs and legs run at once. A rehearsal runs
jobs one at a time, so its own wall time is the other figure shown ("serial").

Both sides use the same pip and uv cache folder (--cache-dir, default rehearse's own) and podman's layer
cache; with --warm-up a rehearsal of "after" runs first and is not counted, to fill them. The machine's
load changes while the benchmark runs (other work on a shared machine), so the rounds go in ABBA order
(before, after, after, before, ...): a load that rises or falls steadily weighs on both sides alike.
Medians over the rehearsals of each side.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from generator.location import Location
from generator.podman import podman_env
from generator.rehearse import RehearsalRequest, RehearsalResult, rehearse
from generator.rehearse.runner import default_cache
from generator.rehearse.timing import CriticalPath, critical_path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_project"
BASE = "4d4cb2c56dc4064fa8b664199ca1f094e2d6a850"  # main before the pipeline change (issue 11)
BASE_IMAGE = "localhost/ci-gen-base:bookworm"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
JUNK = shutil.ignore_patterns("artifacts", ".venv", "__pycache__", ".ci-gen-state", ".pytest_cache")


def before_project(base: str, folder: Path) -> Path:
    """example_project exactly as committed at `base` (spec, locks, workflows, code)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", base, "example_project"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder / "before", filter="data")
    return folder / "before" / "example_project"


def after_project(folder: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, folder / "after" / "example_project", ignore=JUNK))


def containers_available() -> bool:
    if shutil.which("podman") is None:
        return False
    argv = ["podman", "image", "exists", BASE_IMAGE]
    found = subprocess.run(argv, env=podman_env(), check=False, timeout=60)
    return found.returncode == 0


def request_for(root: Path, build: bool, cache: Path) -> RehearsalRequest:
    certs = CA_BUNDLE.is_file() and build
    return RehearsalRequest(
        location=Location.find(root, None),
        jobs=("build",) if build else ("test", "model"),
        cache_dir=cache,
        build_args=(f"BASE_IMAGE={BASE_IMAGE}", *((f"PIP_CERT={CA_BUNDLE}",) if certs else ())),
        build_volumes=("/etc/ssl/certs:/etc/ssl/certs:ro",) if certs else (),
        container_runtime="podman" if build else None,
    )


def run_once(label: str, root: Path, build: bool, cache: Path) -> RehearsalResult:
    started = time.monotonic()
    result = rehearse(request_for(root, build, cache))
    if not result.ok:
        job, step = result.failure  # type: ignore[misc]
        raise SystemExit(f"{label}: {job.key} > {step.name} failed:\n{step.tail()}")
    path = critical_path(result.jobs)
    assert path is not None
    print(f"{label}: {path.text()} [{time.monotonic() - started:.0f}s]", file=sys.stderr)
    return result


def job_times(result: RehearsalResult) -> dict[str, float]:
    """Each job's time at its slowest matrix leg, as the critical path counts it."""
    times: dict[str, float] = {}
    for job in result.jobs:
        times[job.job_id] = max(times.get(job.job_id, 0.0), job.seconds)
    return times


def report(samples: dict[str, list[RehearsalResult]]) -> None:
    paths = {side: [critical_path(r.jobs) for r in results] for side, results in samples.items()}
    jobs = list(dict.fromkeys(job for r in samples["before"] + samples["after"] for job in job_times(r)))
    print("| job | before | after |\n|---|---:|---:|")
    for job in jobs:
        cells = [statistics.median(job_times(r).get(job, 0.0) for r in samples[side]) for side in samples]
        print(f"| {job} | {cells[0]:.1f}s | {cells[1]:.1f}s |")
    medians = {side: statistics.median(_seconds(p) for p in found) for side, found in paths.items()}
    serial = {side: statistics.median(p.serial_seconds for p in found if p) for side, found in paths.items()}
    print(f"| serial (one job at a time) | {serial['before']:.1f}s | {serial['after']:.1f}s |")
    print(f"| **critical path** | **{medians['before']:.1f}s** | **{medians['after']:.1f}s** |")
    for side in samples:
        print(f"\n{side}: {paths[side][0].text() if paths[side][0] else '-'}")
    print(f"\ncritical path {100 * (1 - medians['after'] / medians['before']):.0f} % shorter")


def _seconds(path: CriticalPath | None) -> float:
    return path.seconds if path is not None else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="each round rehearses both sides twice (ABBA)")
    parser.add_argument("--warm-up", action="store_true", help="first fill the caches (not counted)")
    parser.add_argument("--cache-dir", type=Path, default=default_cache(), help="pip and uv cache folder")
    parser.add_argument("--base", default=BASE, help="git revision whose example_project is 'before'")
    parser.add_argument("--no-build", action="store_true", help="lock, test and model jobs only")
    args = parser.parse_args()
    build = not args.no_build and containers_available()
    os.environ.update(podman_env())  # ci-gen's podman settings, unless CONTAINERS_CONF names others
    print(f"rehearsing {'through the build' if build else 'lock, test and model'}", file=sys.stderr)
    samples: dict[str, list[RehearsalResult]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-critical-path-") as name:
        folder = Path(name)
        roots = {"before": before_project(args.base, folder), "after": after_project(folder)}
        if args.warm_up:
            run_once("warm-up (after, not counted)", roots["after"], build, args.cache_dir)
        for round_number in range(args.rounds):
            for side in ("before", "after", "after", "before"):
                label = f"round {round_number + 1} {side}"
                samples[side].append(run_once(label, roots[side], build, args.cache_dir))
    report(samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
