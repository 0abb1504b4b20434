"""The drift demo on the example project: `python -m generator.monitor.demo [--out DIR] [--keep]`.

Trains two models, profiles each (the training rows with the model's predictions), installs one as stable
in a local 'production' environment behind nginx, then deploys the other through a canary while the users
send inputs unlike the training data: the drift gate rolls it back. Then `ci-gen monitor` reads what the
stable model logged and writes the report (table, JSON, a PNG chart per drifted feature) to DIR.
Everything runs on 127.0.0.1 and is stopped at the end. This is an entry point, so it prints.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from generator.deploy.control import rollback
from generator.deploy.demo import COPIED, EXAMPLE, free_base_port, say, service_venv, show, step, train
from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Target
from generator.deploy.report import Event, markdown
from generator.location import Location
from generator.monitor import report as reports
from generator.monitor.run import MonitorRequest, make_profile, run_monitor

CANARY = {
    "name": "production",
    "strategy": "canary",
    "canary": {"steps": [25, 100], "interval": "8s"},
    "gates": {"error-rate": "<= 0.01", "drift": "<= 0.25", "min-requests": 40},
}
MONITOR = {"reference": "reference.jsonl", "thresholds": {"psi": 0.25, "ks": 0.2, "min-rows": 40}}


def drifted_bodies(count: int, seed: int = 7) -> list[bytes]:
    """Requests unlike iris: long, narrow petals and wide sepals (a new kind of flower, or a unit bug)."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    rows = [
        {
            "sepal_length": round(rng.uniform(4.5, 7.5), 1),
            "sepal_width": round(rng.uniform(4.0, 5.5), 1),
            "petal_length": round(rng.uniform(7.0, 9.0), 1),
            "petal_width": round(rng.uniform(0.1, 0.6), 1),
        }
        for _ in range(count)
    ]
    return [json.dumps({"features": row}).encode() for row in rows]


def profile_model(python: Path, model: Path, location: Location) -> Path:
    """The model's reference rows (its predictions on the training split), profiled beside the model."""
    command = [str(python), "-m", "iris_classifier.reference", "--model", str(model)]
    rows = subprocess.run(command, check=True, cwd=EXAMPLE, capture_output=True, text=True).stdout
    (location.root / "reference.jsonl").write_text(rows, encoding="utf-8")
    built, path = make_profile(location, model.with_name("profile.json"))
    say(f"  profile of {model.parent.name} ({built.model_version}): {built.rows} rows -> {path}")
    return path


def project(folder: Path, bin_dir: Path) -> Location:
    folder.mkdir(parents=True)
    for name in COPIED:
        source = EXAMPLE / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    spec = yaml.safe_load((EXAMPLE / "ci-gen.yaml").read_text(encoding="utf-8"))
    app = "--config python:iris_classifier.gunicorn_conf iris_classifier.service:create_app()"
    serve = f"{bin_dir / 'gunicorn'} {app}"
    spec["deploy"] = {
        "target": "local",
        "local": {
            "runtime": "process",
            "serve": serve,
            "env": {"PYTHONPATH": str(EXAMPLE)},
            "base-port": free_base_port(),
        },
        "stages": [CANARY],
    }
    spec["monitor"] = {**spec["monitor"], **MONITOR}
    (folder / "ci-gen.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (folder / "drifted.jsonl").write_bytes(b"\n".join(drifted_bodies(200)) + b"\n")
    return Location.find(folder, None)


def run(work: Path, out: Path) -> int:
    python = service_venv(work / "venv")
    models = train(python, work / "models", broken=False)
    location = project(work / "project", python.parent)
    step("profile each model's training data")
    for model in models.values():
        profile_model(python, model, location)
    try:
        rolled_back = canary(location, models)
        return 0 if rolled_back and monitor(location, out) else 1
    finally:
        rollback(location, "production", lambda event: None, down=True)
        say("stopped every track and the router")


def canary(location: Location, models: dict[str, Path]) -> bool:
    def emit(event: Event) -> None:
        say(f"  {event.message}")

    step("install the current model as stable in 'production'")
    show(deploy(DeployRequest(location, "production", artifact=models["stable"]), emit))
    step("deploy the retrained model through the canary while users send drifted inputs")
    traffic = location.root / "drifted.jsonl"
    report = deploy(
        DeployRequest(location, "production", artifact=models["retrained"], traffic=traffic, rate=40), emit
    )
    show(report)
    print(markdown(report))
    return report.exit_code == 1 and "drift" in report.reason


def monitor(location: Location, out: Path) -> bool:
    step("more drifted traffic for stable, then `ci-gen monitor --stage production`")
    port = yaml.safe_load(location.spec.read_text())["deploy"]["local"]["base-port"]
    plan = LoadPlan(drifted_bodies(200, seed=8), rate=80, duration=3, concurrency=4)
    LoadGenerator(Target.parse(f"http://127.0.0.1:{port}/predict"), plan).start().join()
    result = run_monitor(MonitorRequest(location, stage="production"))
    charts = reports.charts(result.report, out)
    (out / "report.md").write_text(reports.markdown(result.report, charts), encoding="utf-8")
    say(reports.text(result.report))
    say(f"  report and charts in {out}: {', '.join(['report.md', *charts.values()])}")
    return result.report.verdict == "drift"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.monitor.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("drift-report"), help="Where the report goes.")
    parser.add_argument("--keep", action="store_true", help="Keep the work folder (state, logs).")
    args = parser.parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="ci-gen-drift-demo-"))
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        code = run(work, args.out.resolve())
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    say(
        f"drift demo finished in {time.monotonic() - started:.0f} s"
        + (f"; files kept in {work}" if args.keep else "")
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
