"""The deploy demo on the example project: `python -m generator.deploy.demo [--rollback]`.

Generates the example's workflows, makes a venv of the example service from its hash-locked
requirements, trains models and registers them in MLflow (an embedded store), installs a stable version,
then deploys a retrained model through a shadow stage and a canary stage with built-in synthetic users,
promotes it and shows the report and the registry's aliases moving stage by stage. With
--rollback it deploys a deliberately bad model (60% label noise) instead and shows the automatic
rollback. Everything runs on 127.0.0.1 and is stopped at the end. This is an entry point, so it prints.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from generator.deploy.control import rollback, status
from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.ports import free_port_block
from generator.deploy.report import DeployReport, Event, markdown
from generator.location import Location
from generator.outputs import write
from generator.project import render_project
from generator.tracking.demo import register_models, show_aliases

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"
COPIED = (
    "ci-gen.yaml",
    "requirements.in",
    "requirements.txt",
    "requirements-dev.in",
    "requirements-dev.txt",
    "Dockerfile",
    "samples",
)
SHADOW = {
    "name": "shadow",
    "strategy": "shadow",
    "shadow": {"duration": "6s", "mirror-percent": 100},
    "gates": {"agreement": ">= 0.95", "latency-p99-vs-stable": "<= 3", "min-requests": 50},
}
CANARY = {
    "name": "production",
    "strategy": "canary",
    "canary": {"steps": [10, 50, 100], "interval": "5s"},
    "gates": {
        "error-rate": "<= 0.01",
        "latency-p99-vs-stable": "<= 3",
        "agreement": ">= 0.9",
        "min-requests": 15,
    },
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.deploy.demo", description=__doc__)
    parser.add_argument(
        "--rollback", action="store_true", help="Deploy a broken model and watch it roll back."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the work folder (state, logs, nginx config)."
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="ci-gen-demo-"))
    try:
        code = run(work, broken=args.rollback)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    say(
        f"demo finished in {time.monotonic() - started:.0f} s"
        + (f"; files kept in {work}" if args.keep else "")
    )
    return code


def run(work: Path, *, broken: bool) -> int:
    generate()
    python = service_venv(work / "venv")
    models = train(python, work / "models", broken=broken)
    project = demo_project(work / "project", python.parent)
    location = Location.find(project, None)
    step("log each model to MLflow and register it (the model job's `ci-gen track --register`)")
    register_models(location, python, models, EXAMPLE, say)
    try:
        return deploy_all(location, models, broken=broken)
    finally:
        for stage in ("shadow", "production"):
            rollback(location, stage, lambda event: None, down=True)
        say("stopped every track and both routers")


def deploy_all(location: Location, models: dict[str, Path], *, broken: bool) -> int:
    new = models["noisy" if broken else "retrained"]
    for stage in ("shadow", "production"):
        step(f"install the current model as stable in the '{stage}' environment")
        show(run_stage(location, stage, models["stable"]))
    show_aliases(location, say)
    for stage in ("shadow", "production"):
        kind = "canary" if stage == "production" else "shadow"
        step(f"deploy the {'bad' if broken else 'retrained'} model through '{stage}' ({kind})")
        report = run_stage(location, stage, new)
        show(report)
        print(markdown(report))
        step("the model registry's aliases")
        show_aliases(location, say)
        if report.exit_code != 0 and not broken:
            break
    step("status")
    for env in status(location, None):
        stable = env["stable"]["version"] if env["stable"] else "none"
        say(f"{env['environment']}: stable {stable}, weight {env['weight']}%, tracks {sorted(env['tracks'])}")
    expected = 1 if broken else 0
    return 0 if report.exit_code == expected else 1


def run_stage(location: Location, stage: str, model: Path) -> DeployReport:
    def emit(event: Event) -> None:
        say(f"  {event.message}")

    return deploy(DeployRequest(location, stage, artifact=model), emit)


def generate() -> None:
    step("generate the example project's workflows")
    rendering = render_project(Location.find(EXAMPLE, None))
    changes = write(rendering.loaded.location.root, rendering.outputs)
    say(f"  {len(rendering.outputs)} workflow files, {len(changes)} changed")


def service_venv(venv: Path) -> Path:
    """The example service's venv from its lock, with hashes (uv: a few seconds from its cache)."""
    step("make the example service's venv from requirements.txt (--require-hashes)")
    uv = Path(sys.executable).with_name("uv")
    subprocess.run([str(uv), "venv", "-q", "-p", "3.11", str(venv)], check=True)
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    lock = str(EXAMPLE / "requirements.txt")
    subprocess.run([str(uv), "pip", "install", "-q", "--require-hashes", "-r", lock], check=True, env=env)
    return venv / "bin" / "python"


def train(python: Path, out: Path, *, broken: bool) -> dict[str, Path]:
    step("train the models")
    runs = (
        {"stable": [], "retrained": ["--seed", "1"]}
        if not broken
        else {"stable": [], "noisy": ["--label-noise", "0.6"]}
    )
    for name, extra in runs.items():
        command = [str(python), "-m", "iris_classifier.train", "--out", str(out / name), *extra]
        result = subprocess.run(command, check=True, cwd=EXAMPLE, capture_output=True, text=True)
        say(f"  {name}: {result.stdout.strip() or result.stderr.strip()}")
    return {name: out / name / "model.joblib" for name in runs}


def demo_project(folder: Path, bin_dir: Path) -> Path:
    """The example project with demo-length stages and the local target serving it from the venv."""
    folder.mkdir(parents=True)
    for name in COPIED:
        source = EXAMPLE / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    spec = yaml.safe_load((EXAMPLE / "ci-gen.yaml").read_text())
    # Neither stage gates on drift here, so the demo needs no reference profile among the artifacts.
    spec.pop("monitor", None)
    spec.pop("retrain", None)
    spec["deploy"] = {
        "target": "local",
        "local": {
            "runtime": "process",
            "serve": f"{bin_dir / 'gunicorn'} --config python:iris_classifier.gunicorn_conf "
            "iris_classifier.service:create_app()",
            "env": {"PYTHONPATH": str(EXAMPLE)},
            "base-port": free_base_port(),
            "traffic": "samples/requests.jsonl",
            "traffic-rate": 40,
        },
        "stages": [SHADOW, CANARY],
    }
    (folder / "ci-gen.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder


def free_base_port(start: int = 18080) -> int:
    """The first block of 20 ports from `start` (two environments) with nothing listening."""
    try:
        return free_port_block(20, range(start, 30000, 20))
    except LookupError:
        raise SystemExit("no free ports for the demo") from None


def show(report: DeployReport) -> None:
    say(
        f"=> {report.stage}: {report.outcome} {report.version}"
        + (f" ({report.reason})" if report.reason else "")
    )


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
