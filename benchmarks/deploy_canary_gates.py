"""Canary gates: false rollbacks of equivalent models and detection of a 2x-slower one, before and after.

Usage: .venv/bin/python benchmarks/deploy_canary_gates.py [--canaries 50] [--speed 10]

The example's production stage (steps 10/50/100, interval 60 s, 20 requests/s, min-requests 50, gates
error-rate <= 0.01, latency-p99-vs-stable <= 1.5, agreement >= 0.90, so every step replays the candidate's
requests to stable), run through the real router (nginx) with the stdlib fake service as the model, the
process runtime and ci-gen's own target. Time is compressed by --speed: `speed` times the rate for
1/`speed` of the interval, so each step sees the example's request counts (1,200 users per step).

Each canary starts a fresh candidate, runs the three steps and removes it; every step's window is judged
twice on the same data: by main's gate logic before this change (the p99 ratio of the raw percentiles;
the 100% step compared with stable's figures from the 50% step) and by today's `judge` (tests with a
tolerance band; stable measured in the same window). A canary counts as rolled back when any step fails or
is inconclusive. The slow candidate adds stable's measured p99 to every answer, so its p99 is about 2x.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from deploy_common import BODY, ROOT

from generator.deploy.control import rollback
from generator.deploy.driver import DeployRequest, deploy, make_target, open_stage
from generator.deploy.gates import Observation, TrackStats, Verdict, judge
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Target
from generator.deploy.release import Release
from generator.deploy.state import Session, StateStore
from generator.deploy.targets.base import CANDIDATE, REPLAY, STABLE, USER
from generator.spec.model import DeployGates

sys.path.insert(0, str(ROOT))
from tests.deploy.conftest import write_project

STAGE = """\
- name: prod
  strategy: canary
  canary: {steps: [10, 50, 100], interval: 60s}
  gates: {error-rate: "<= 0.01", latency-p99-vs-stable: "<= 1.5", agreement: ">= 0.90"}
"""
GATES = DeployGates.model_validate(
    {"error-rate": "<= 0.01", "latency-p99-vs-stable": "<= 1.5", "agreement": ">= 0.90"}
)
STEPS = (10, 50, 100)


@dataclass
class Window:
    weight: int
    candidate: TrackStats
    stable_users: TrackStats
    stable_copies: TrackStats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--canaries", type=int, default=50)
    parser.add_argument("--speed", type=float, default=10)
    args = parser.parse_args()
    rate, interval = 20 * args.speed, 60 / args.speed
    print(f"{args.canaries} canaries per model, {rate:.0f} requests/s, {interval:.1f} s per step", flush=True)
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-") as folder:
        project = write_project(Path(folder) / "p", STAGE)
        try:
            results = run_all(project, args.canaries, rate, interval)
        finally:
            rollback(project.location, "prod", lambda e: None, down=True)
    table(results)


def run_all(project, canaries: int, rate: float, interval: float) -> dict[str, list[list[Window]]]:
    deploy(DeployRequest(project.location, "prod", artifact=Path(project.model("v1"))), lambda e: None)
    opened = open_stage(project.location, "prod")
    target = make_target(opened, Session(StateStore(opened.environment.folder, "prod")))
    plan = LoadPlan([BODY], rate=rate, duration=3600, concurrency=8, max_requests=10**7)
    users = LoadGenerator(Target.parse(project.url), plan).start()
    try:
        delay = calibrate(target, interval)
        print(f"stable p99 {delay * 1000:.2f} ms: the slow candidate adds that to every answer", flush=True)
        models = {
            "equivalent": project.model("same"),
            "2x slower": project.model("slow", mode="slow", delay=delay),
        }
        results: dict[str, list[list[Window]]] = {name: [] for name in models}
        begun = time.monotonic()
        for index in range(canaries):
            for name, model in models.items():
                release = Release(version=f"{name}-{index}", artifact=str(project.root / model))
                results[name].append(canary(target, release, interval))
            took = time.monotonic() - begun
            print(f"  canary {index + 1}/{canaries} ({took:.0f} s): {summary(results)}", flush=True)
            why = why_after(results["equivalent"][-1])
            if why:
                print(f"    equivalent rolled back: {why}", flush=True)
        return results
    finally:
        users.stop()
        target.close()


def calibrate(target, interval: float) -> float:
    watch = target.watch()
    time.sleep(max(interval, 3))
    p99 = watch.poll().of(STABLE, USER).p99
    return (p99 or 1.0) / 1000


def canary(target, release: Release, interval: float) -> list[Window]:
    target.start_track(CANDIDATE, release)
    target.wait_healthy(CANDIDATE, 30)
    windows = []
    for weight in STEPS:
        target.set_weight(weight)
        target.set_mirror(STABLE, 100)
        watch = target.watch()
        time.sleep(interval)
        traffic = watch.poll()
        target.set_mirror(None)
        windows.append(
            Window(weight, traffic.of(CANDIDATE, USER), traffic.of(STABLE, USER), traffic.of(STABLE, REPLAY))
        )
    target.set_weight(0)
    target.stop_track(CANDIDATE)
    return windows


def before(windows: list[Window]) -> bool:
    """main's logic before: raw p99 ratio, too few requests inconclusive, the last well-sampled stable."""
    minimum, baseline = GATES.min_requests, None
    for window in windows:
        stable = window.stable_users
        if stable.requests >= minimum:
            baseline = stable
        else:
            stable = baseline or stable
        c = window.candidate
        if c.requests < minimum or stable.requests < minimum or c.p99 is None or stable.p99 is None:
            return True
        if (c.errors / c.requests) > 0.01 or c.p99 / stable.p99 > 1.5:
            return True
    return False


def after(windows: list[Window]) -> bool:
    """Today's `judge` (the agreement gate is left out: the fake models always agree)."""
    return why_after(windows) is not None


def why_after(windows: list[Window]) -> str | None:
    gates = GATES.model_copy(update={"agreement": None})
    for window in windows:
        minimum = GATES.min_requests
        stable = window.stable_users if window.stable_users.requests >= minimum else window.stable_copies
        judgement = judge(gates, Observation(window.candidate, stable))
        if judgement.verdict is not Verdict.PASS:
            return f"{window.weight}%: {judgement.verdict.value}: {judgement.reason}"
    return None


def summary(results: dict[str, list[list[Window]]]) -> str:
    parts = []
    for name, runs in results.items():
        parts.append(f"{name}: rolled back before {sum(map(before, runs))}, after {sum(map(after, runs))}")
    return "; ".join(parts)


def table(results: dict[str, list[list[Window]]]) -> None:
    print("\n| candidate | canaries | rolled back, before | rolled back, after | p99 ratio at 10% (median) |")
    print("| --- | --- | --- | --- | --- |")
    for name, runs in results.items():
        ratios = sorted(
            w.candidate.p99 / w.stable_users.p99
            for run in runs
            for w in run[:1]
            if w.candidate.p99 and w.stable_users.p99
        )
        median = ratios[len(ratios) // 2] if ratios else float("nan")
        b, a = sum(map(before, runs)), sum(map(after, runs))
        print(
            f"| {name} | {len(runs)} | {b} ({b / len(runs):.0%}) | {a} ({a / len(runs):.0%}) | {median:.2f} |"
        )


if __name__ == "__main__":
    main()
