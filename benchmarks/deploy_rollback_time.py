"""Time to rollback: a canary whose candidate fails every request (500), or crashes, under steady users.

Usage: .venv/bin/python benchmarks/deploy_rollback_time.py [--rate 50] [--rounds 3]
A real `deploy` (process runtime: the stdlib fake service; real nginx) with steps [10, 50, 100], interval
60 s, min-requests 10. Measured from the moment the candidate first gets users (its weight is set) to the
moment its weight is back to 0, from the driver's own progress events; plus the user requests that failed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from deploy_common import ROOT

from generator.deploy.control import rollback
from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Target
from generator.deploy.report import Event
from generator.location import Location

sys.path.insert(0, str(ROOT))
from tests.deploy.conftest import write_project

STAGE = """\
- name: prod
  strategy: canary
  canary: {steps: [10, 50, 100], interval: 60s}
  gates: {min-requests: 10}
"""
BODY = b'{"features": [5.1, 3.5, 1.4, 0.2]}'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = {"error": [], "crash": []}
    for _ in range(args.rounds):
        for mode in rows:
            rows[mode].append(one(mode, args.rate))
            print(
                f"  {mode}: {rows[mode][-1][0]:.2f} s to weight 0, {rows[mode][-1][1]} failed of "
                f"{rows[mode][-1][2]} user requests",
                flush=True,
            )
    print(
        "\n| candidate | time to rollback s (median, max) | failed user requests (median, max) | requests |"
    )
    print("| --- | --- | --- | --- |")
    for mode, runs in rows.items():
        seconds = [r[0] for r in runs]
        failures = [r[1] for r in runs]
        print(
            f"| {'500 to every request' if mode == 'error' else 'crashes after 3 requests'} | "
            f"{statistics.median(seconds):.2f}, {max(seconds):.2f} | {statistics.median(failures):.0f}, "
            f"{max(failures)} | {statistics.median(r[2] for r in runs):.0f} |"
        )


def one(mode: str, rate: float) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix="ci-gen-bench-") as folder:
        project = write_project(Path(folder) / "p", STAGE)
        location = Location.find(project.root, None)
        try:
            deploy(DeployRequest(location, "prod", artifact=Path(project.model("v1"))), lambda e: None)
            users = LoadGenerator(
                Target.parse(project.url), LoadPlan([BODY], rate=rate, duration=300)
            ).start()
            time.sleep(1)
            marks: dict[str, float] = {}

            def emit(event: Event) -> None:
                if "10% of users" in event.message:
                    marks.setdefault("weight", time.monotonic())
                if event.message.startswith("rolled back"):
                    marks["back"] = time.monotonic()

            model = project.model("bad", mode=mode, after=3)
            report = deploy(DeployRequest(location, "prod", artifact=Path(model), poll_seconds=0.2), emit)
            samples = users.stop()
            assert report.outcome == "rolled back", report.reason
            return marks["back"] - marks["weight"], sum(s.failed for s in samples), len(samples)
        finally:
            rollback(location, "prod", lambda e: None, down=True)


if __name__ == "__main__":
    main()
