"""The tracking part of `make demo`: log each trained model as a run and register it in the demo project's
embedded store, and show which version each stage's alias points at as the stages promote."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from generator.deploy.control import status
from generator.location import Location
from generator.tracking.store import URI_VARIABLE
from generator.tracking.track import track

ARTIFACTS = ("model.joblib", "model-metadata.json")


def register_models(
    location: Location, python: Path, models: dict[str, Path], example: Path, say: Callable[[str], None]
) -> dict[str, str]:
    """Evaluate each model, log it as a run of the demo project and register it; {name: version}."""
    env = {k: v for k, v in os.environ.items() if k != URI_VARIABLE}  # the demo keeps to its own store
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    artifacts = location.root / "artifacts"
    versions = {}
    for name, model in models.items():
        artifacts.mkdir(exist_ok=True)
        for file in ARTIFACTS:
            shutil.copy(model.parent / file, artifacts / file)
        metrics = artifacts / "metrics.json"
        evaluate = [
            str(python),
            "-m",
            "iris_classifier.evaluate",
            "--model",
            str(model),
            "--metrics",
            str(metrics),
        ]
        subprocess.run(evaluate, cwd=example, check=True, capture_output=True)
        tracked = track(location, register=True, env=env)
        versions[name] = tracked.version or "?"
        shown = ", ".join(f"{k} {v:.4g}" for k, v in sorted(tracked.metrics.items()))
        say(f"  {name}: run {tracked.run_id[:12]}, model version {tracked.version} ({shown})")
    shutil.rmtree(artifacts)  # the stages deploy the trained files themselves (--artifact)
    say(f"  registered in the embedded store {tracked.store.folder}")
    return versions


def show_aliases(location: Location, say: Callable[[str], None]) -> None:
    """One line per stage: the model version behind its alias (what `ci-gen status` shows)."""
    for env in status(location, None):
        for stage, model in (env.get("models") or {}).items():
            if stage == "error":
                say(f"  model registry: {model}")
            elif model is None:
                say(f"  alias '{stage}': not set yet")
            else:
                accuracy = model["metrics"].get("accuracy", float("nan"))
                say(f"  alias '{stage}' -> version {model['version']} (accuracy {accuracy:.4g})")
