"""Is the model served by the library versions it was trained with? Its metadata against the runtime lock.

A scikit-learn model pickled with one version and loaded with another may warn, fail, or quietly predict
differently; the lock decides what the image has, so the versions recorded at training must be its pins.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.doctor.findings import Report
from generator.doctor.project import Project, lock_pins, normalise
from generator.doctor.versions import same_minor


def check_model(project: Project, report: Report) -> None:
    """Compare each metadata file among the model artifacts with the runtime lock and the spec's Python."""
    model = project.plan.model
    if model is None:
        return
    found = [path for path in _json_files(project, model.artifacts) if _metadata(path) is not None]
    if not found:
        report.notes.append(
            f"no model metadata with package versions among {', '.join(model.artifacts)} "
            "(train the model first); the model's library versions were not checked"
        )
        return
    lock = project.plan.runtime_lock.output
    pins = lock_pins(project.read(lock) or "")
    for path in found:
        _check_one(project, path, _metadata(path) or {}, pins, lock, report)


def _json_files(project: Project, artifacts: tuple[str, ...]) -> list[Path]:
    paths: list[Path] = []
    for artifact in artifacts:
        path = project.root / artifact
        paths += sorted(path.rglob("*.json")) if path.is_dir() else [path] if path.suffix == ".json" else []
    return [p for p in paths if p.is_file()]


def _metadata(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("packages"), dict) else None


def _check_one(
    project: Project,
    path: Path,
    data: dict[str, Any],
    pins: dict[str, tuple[str, int]],
    lock: str,
    report: Report,
) -> None:
    text = path.read_text(encoding="utf-8")
    shown = project.location.display(path)
    report.checked.append(f"model metadata {shown}")
    fix = f"retrain with {lock} installed (the model job does), or lock the versions it was trained with"
    for name, version in sorted(data["packages"].items()):
        pinned = pins.get(normalise(name))
        line = _line_of(text, f'"{name}"')
        if pinned is None:
            report.add(
                "model-versions",
                shown,
                line,
                f"the model was trained with {name} {version}, which {lock} does not pin at all",
                f"add {name} to {project.plan.runtime_lock.input} and run `ci-gen lock`",
            )
        elif pinned[0] != str(version):
            report.add(
                "model-versions",
                shown,
                line,
                f"the model was trained with {name} {version}, the image "
                f"installs {name}=={pinned[0]} ({lock} line {pinned[1]})",
                fix,
            )
    trained = data.get("python_version")
    if isinstance(trained, str) and not same_minor(trained, project.plan.python):
        report.add(
            "model-versions",
            shown,
            _line_of(text, '"python_version"'),
            f"the model was trained on Python {trained}, the image runs Python {project.plan.python}",
            "retrain on the spec's Python (the model job does)",
        )


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None
