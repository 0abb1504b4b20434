"""`ci-gen init`: read a repository (never the machine) and write a short, commented ci-gen.yaml for it.

Every value comes from the project's own files, and the notes say which file each came from and where
the files disagree. Writing, and compiling the locks `init` created inputs for, is left to the CLI.
"""

from __future__ import annotations

import json
import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.defaults import CONTAINER_PORT, STATE_DIR
from generator.detect.dependencies import Dependencies, detect_dependencies
from generator.detect.pickles import PickleInfo, PickleReadError, read_model
from generator.detect.python import choose_python
from generator.detect.routes import find_routes, health_route, predict_route
from generator.detect.samples import sample_from_model, sample_from_tests
from generator.detect.serving import read_dockerfile
from generator.detect.training import training_command
from generator.doctor.pickle_checks import model_files
from generator.init_text import spec_text as spec_text

SCHEMA_FILE = ".ci-gen.schema.json"
SAMPLE_FILE = "samples/predict-request.json"
STATE_IGNORE = f"{STATE_DIR}/"


@dataclass
class Detected:
    """What `init` found, each with the reason, so the user can see why the spec says what it says."""

    project: str
    python: str
    dependencies: Dependencies = field(default_factory=Dependencies)
    dockerfile: str | None = None
    port: int = CONTAINER_PORT
    health_path: str = "/health"
    predict_path: str = "/predict"
    sample_request: str | None = None
    test_command: str = "python -m pytest"
    train_command: str | None = None
    has_tests: bool = False
    files: dict[str, str] = field(default_factory=dict)  # files to create besides the spec: path -> text
    notes: list[str] = field(default_factory=list)


def detect(root: Path) -> Detected:
    pyproject = _read_pyproject(root)
    dockerfile = "Dockerfile" if (root / "Dockerfile").is_file() else None
    python = choose_python(root, pyproject, dockerfile)
    found = Detected(_project_name(root, pyproject), python.version, dockerfile=dockerfile)
    found.notes += python.notes
    found.has_tests = _has_tests(root)
    found.dependencies = detect_dependencies(root, pyproject, found.has_tests)
    found.files.update(found.dependencies.create)
    found.notes += found.dependencies.notes
    _detect_service(root, found)
    _detect_models(root, found)
    found.test_command = _test_command(root, found)
    return found


def gitignore_text(root: Path) -> str | None:
    """.gitignore with the deploy state folder added, or None when it is already ignored."""
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    if any(line.strip().strip("/") == STATE_IGNORE.strip("/") for line in text.splitlines()):
        return None
    separator = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{separator}# ci-gen deploy state (nginx config, logs, records)\n{STATE_IGNORE}\n"


def _read_pyproject(root: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    return data


def _project_name(root: Path, pyproject: dict[str, Any]) -> str:
    name = str(pyproject.get("project", {}).get("name") or root.resolve().name)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50].strip("-")
    return slug or "model"


def _has_tests(root: Path) -> bool:
    folders = [root / "tests", root / "test"]
    return any(any(f.rglob("test*.py")) for f in folders if f.is_dir()) or any(root.glob("test_*.py"))


def _detect_service(root: Path, found: Detected) -> None:
    if found.dockerfile:
        text = (root / found.dockerfile).read_text(encoding="utf-8", errors="replace")
        port = read_dockerfile(text).port
        if port:
            found.port = port[0]
            found.notes.append(f"container port {port[0]} from {port[1]}")
        else:
            found.notes.append(
                f"no port in the Dockerfile (server command, ENV PORT, EXPOSE): wrote {CONTAINER_PORT}"
            )
    routes = find_routes(root)
    health, predict = health_route(routes), predict_route(routes)
    if health:
        found.health_path = health.path
        found.notes.append(f"health path {health.path} from {health.file} line {health.line}")
    elif found.dockerfile:
        found.notes.append("no GET health route found in the app: wrote /health; add one or set health-path")
    if predict:
        found.predict_path = predict.path
        found.notes.append(f"predict path {predict.path} from {predict.file} line {predict.line}")
        _detect_sample(root, found, predict.body_model)


def _detect_sample(root: Path, found: Detected, body_model: str | None) -> None:
    sample = sample_from_tests(root, found.predict_path)
    if sample is None and body_model:
        sample = sample_from_model(root, body_model)
    if sample is None:
        return
    name = SAMPLE_FILE if not (root / SAMPLE_FILE).exists() else "samples/ci-gen-predict-request.json"
    found.files[name] = json.dumps(sample[0], indent=2) + "\n"
    found.sample_request = name
    found.notes.append(f"sample request {name} from {sample[1]}")


def _detect_models(root: Path, found: Detected) -> None:
    for path in model_files(root):
        shown = path.relative_to(root).as_posix()
        try:
            info = read_model(path)
        except (PickleReadError, OSError) as error:
            found.notes.append(f"committed model {shown}, not read: {error}")
            continue
        found.notes += _model_notes(shown, info)
    train = training_command(root, found.dockerfile)
    if train:
        found.train_command = train[0]
        found.notes.append(f"training entry point `{train[0]}` from {train[1]}")


def _model_notes(shown: str, info: PickleInfo) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in sorted(info.versions.items())) or "no versions recorded"
    notes = [f"committed model {shown} ({versions}): `ci-gen doctor` compares it with the lock"]
    if info.missing:  # joblib < 0.10 wrote each array to its own file
        notes.append(
            f"committed model {shown} keeps arrays in files that are not beside it: {', '.join(info.missing)}"
        )
    return notes


def _test_command(root: Path, found: Detected) -> str:
    if not found.has_tests:
        found.notes.append(
            "no tests found: the test job only byte-compiles the code; add tests/ and set test.command"
        )
        return "python -m compileall -q -x '(^|/)[.]' ."
    installs = found.dependencies.install_project
    if (root / "src").is_dir() and installs is False:
        return "python -m pytest -o pythonpath=src"
    return "python -m pytest"
