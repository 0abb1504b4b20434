"""`make demo`'s model report: the example's champion is installed in production (which records it), then
two candidates meet it in the model report, gates and replay of recorded requests included: a retrained
model that passes, and one trained on noisy labels that fails. This is an entry point, so it prints.

    python -m generator.model.demo [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from generator.deploy.control import rollback
from generator.deploy.demo import COPIED, EXAMPLE, free_base_port, say, service_venv, show, step
from generator.deploy.driver import DeployRequest, deploy
from generator.deploy.report import Event
from generator.location import Location
from generator.model.command import ReportRequest, model_report
from generator.model.report import markdown

SERVE = "{bin}/gunicorn --config python:iris_classifier.gunicorn_conf iris_classifier.service:create_app()"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.model.demo", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ci-gen-model-demo-"))
    try:
        return run(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path) -> int:
    python = service_venv(work / "venv")
    location = Location.find(project(work / "project", python.parent), None)
    try:
        step("train the champion and install it in production (which records it as the champion)")
        train(python, location.root, [])
        show(deploy(DeployRequest(location, "production", artifact=Path("artifacts/model.joblib")), _emit))
        passed = candidate(python, location, "a retrained candidate (another seed)", ["--seed", "1"])
        failed = candidate(python, location, "a candidate trained on noisy labels", ["--label-noise", "0.5"])
    finally:
        rollback(location, "production", lambda event: None, down=True)
    return 0 if passed and not failed else 1


def candidate(python: Path, location: Location, what: str, extra: list[str]) -> bool:
    step(f"the model report of {what}")
    train(python, location.root, extra)
    report = model_report(ReportRequest(location), _emit)
    say(markdown(report))
    return report.passed


def train(python: Path, root: Path, extra: list[str]) -> None:
    for argv in (
        ["-m", "iris_classifier.train", "--out", "artifacts", *extra],
        [
            "-m",
            "iris_classifier.evaluate",
            "--model",
            "artifacts/model.joblib",
            "--metrics",
            "artifacts/metrics.json",
        ],
    ):
        subprocess.run([str(python), *argv], check=True, cwd=root, capture_output=True, text=True)


def project(folder: Path, bin_dir: Path) -> Path:
    """The example with its code, production alone on the process runtime, the replay served from the venv."""
    folder.mkdir(parents=True)
    for name in (*COPIED, "iris_classifier"):
        source = EXAMPLE / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    spec = yaml.safe_load((EXAMPLE / "ci-gen.yaml").read_text())
    spec.pop("monitor", None)
    spec.pop("retrain", None)
    spec["model"]["champion"]["replay"]["serve"] = SERVE.format(bin=bin_dir)
    spec["deploy"] = {
        "target": "local",
        "local": {"runtime": "process", "serve": SERVE.format(bin=bin_dir), "base-port": free_base_port()},
        "stages": [{"name": "production", "strategy": "canary"}],
    }
    (folder / "ci-gen.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder


def _emit(event: Event) -> None:
    say(f"  {event.message}")


if __name__ == "__main__":
    sys.exit(main())
