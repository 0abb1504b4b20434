"""Will the image load the committed model? Its pickle's recorded versions and imports against the lock.

A scikit-learn estimator pickled under one version may refuse to load, warn, or predict differently
under another; the file itself says which version wrote it. Read statically: nothing is unpickled.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from generator.detect.pickles import (
    COMPRESSED_SUFFIXES,
    MODEL_SUFFIXES,
    PickleInfo,
    PickleReadError,
    distribution,
    read_model,
)
from generator.doctor.findings import Report
from generator.doctor.project import Project, lock_pins, normalise

_SKIPPED_FOLDERS = {"node_modules", "site-packages", "__pycache__", "venv", "env"}
_PY2_STDLIB = {"__builtin__", "copy_reg"}
_MAX_FILES = 50


def check_pickles(project: Project, report: Report) -> None:
    """Every committed pickle/joblib model: its library versions are the lock's, its imports are locked."""
    files = model_files(project.root, project.plan.model.artifacts if project.plan.model else ())
    if not files:
        report.notes.append("no pickle or joblib model files found; no pickled model was inspected")
        return
    lock = project.plan.runtime_lock.output
    pins = lock_pins(project.read(lock) or "")
    for path in files:
        shown = project.location.display(path)
        try:
            info = read_model(path)
        except (PickleReadError, OSError) as error:
            report.notes.append(f"{shown}: {error}; its library versions were not checked")
            continue
        _compare(project, shown, info, pins, report)
        _check_companions(shown, info, report)
        report.checked.append(f"model {shown} ({_recorded(info)})")


def _check_companions(shown: str, info: PickleInfo, report: Report) -> None:
    if info.missing:
        report.add(
            "model-files",
            shown,
            None,
            f"a joblib < 0.10 file whose arrays are in companion files; {', '.join(info.missing)} "
            "not found next to it, so the model cannot be loaded",
            "commit the companion files beside it, or load it and save it again with a current joblib "
            "(one file)",
        )


def model_files(root: Path, artifacts: tuple[str, ...] = ()) -> list[Path]:
    """Pickle and joblib files in the repository (and among the model artifacts), sorted, at most 50."""
    found: set[Path] = set()
    for folder, names, files in os.walk(root):
        names[:] = sorted(n for n in names if not n.startswith(".") and n not in _SKIPPED_FOLDERS)
        found.update(Path(folder) / f for f in files if is_model_file(f))
    for artifact in artifacts:
        path = root / artifact
        if path.is_file() and is_model_file(path.name):
            found.add(path)
    return sorted(found)[:_MAX_FILES]


def is_model_file(name: str) -> bool:
    name = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        name = name.removesuffix(suffix)
    return name.endswith(MODEL_SUFFIXES)


def _recorded(info: PickleInfo) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in sorted(info.versions.items()))
    return versions or "no library versions recorded"


def _compare(
    project: Project, shown: str, info: PickleInfo, pins: dict[str, tuple[str, int]], report: Report
) -> None:
    runtime = project.plan.runtime_lock
    lock = runtime.output
    # What a person edits to change a pin: pyproject.toml for uv.lock, the .in file, or the pinned file.
    source = "pyproject.toml" if runtime.kind == "uv-lock" else runtime.input
    relock = "" if runtime.kind == "pinned" else " and run `ci-gen lock`"
    for name, version in sorted(info.versions.items()):
        pinned = pins.get(normalise(name))
        if pinned is not None and pinned[0] != version:
            report.add(
                "model-versions",
                shown,
                None,
                f"the model was pickled with {name} {version}; the image installs {name}=={pinned[0]} "
                f"({lock} line {pinned[1]}), which may not load it or may predict differently",
                f"re-train and save the model with {name}=={pinned[0]} installed, or pin "
                f"{name}=={version} in {source}{relock}",
            )
    for module in sorted(info.modules - _own_modules(project.root, info.modules)):
        _check_module(shown, module, pins, lock, source, report)


def _own_modules(root: Path, modules: set[str]) -> set[str]:
    """The project's own packages (a custom transformer in src/app/features.py): not in any lock."""
    places = (root, root / "src")
    return {m for m in modules if any((p / m).is_dir() or (p / f"{m}.py").is_file() for p in places)}


def _check_module(
    shown: str, module: str, pins: dict[str, tuple[str, int]], lock: str, source: str, report: Report
) -> None:
    if module == "__main__":
        report.add(
            "model-imports",
            shown,
            None,
            "the model pickles a class defined in __main__ (the training script), which the service "
            "cannot import",
            "move that class into a module the service imports, then re-train and save the model",
        )
    elif module not in sys.stdlib_module_names and module not in _PY2_STDLIB:
        name = distribution(module)
        if normalise(name) not in pins:
            report.add(
                "model-imports",
                shown,
                None,
                f"loading the model imports {module}, and {lock} pins no {name}",
                f"add {name} to {source} and run `ci-gen lock`",
            )
