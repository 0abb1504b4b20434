"""Where the champion comes from: the model a stage serves now, with its metrics and its bundle.

Sources, tried in order by `auto`: the MLflow registry (the version behind the stage's alias) when the
spec enables tracking and a server (MLFLOW_TRACKING_URI) or the embedded store is there; on GitHub
Actions, the newest `ci-gen-champion-STAGE` artifact the deploy branch's deploy job uploaded when that
stage promoted; otherwise the record `ci-gen deploy` keeps in the stage's deploy state folder. None
found: the first release, which the spec's first-release rule judges.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.deploy.state import atomic_write
from generator.errors import ChampionError, UsageError
from generator.model.bundle import BUNDLE, bundle_metrics, pack
from generator.model.gates import Champion
from generator.model.lookup import Found, Lookup

if TYPE_CHECKING:
    pass

RECORD_FOLDER = "champion"
RECORD = "champion.json"


@dataclass(frozen=True)
class Source:
    name: str
    available: Callable[[Lookup], bool]
    find: Callable[[Lookup], Found]


def _state_available(lookup: Lookup) -> bool:
    return True


def find_in_state(lookup: Lookup) -> Found:
    """The record `ci-gen deploy` wrote when the stage last promoted, if its release is still stable."""
    folder = lookup.root / lookup.state_folder / RECORD_FOLDER
    where = f"the deploy state folder {lookup.state_folder}"
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Found(None, None, f"no champion recorded in {where}")
    except (OSError, ValueError) as exc:
        raise ChampionError(f"the champion record in {folder} is unreadable: {exc}") from exc
    version = str(record.get("version", ""))
    stable = _stable_version(lookup.root / lookup.state_folder)
    if stable is not None and stable != version:
        note = f"the recorded champion {version} is no longer what {lookup.stage} serves ({stable})"
        return Found(None, None, note)
    metrics = bundle_metrics(folder / BUNDLE, lookup.metrics)
    champion = Champion(lookup.stage, version, metrics, where)
    return Found(champion, folder / BUNDLE, f"recorded in {where}")


def _stable_version(state_folder: Path) -> str | None:
    try:
        state = json.loads((state_folder / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stable = state.get("stable") if isinstance(state, dict) else None
    return str(stable.get("version")) if isinstance(stable, dict) else None


def record_champion(state_folder: Path, stage: str, version: str, root: Path, paths: tuple[str, ...]) -> Path:
    """Keep the promoted model's files (the model job's layout) and version as the stage's champion."""
    folder = state_folder / RECORD_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = folder / f".{BUNDLE}.{os.getpid()}.tmp"
    pack(root, paths, partial)
    partial.replace(folder / BUNDLE)
    record = {"stage": stage, "version": version, "files": list(paths), "recorded": time.time()}
    atomic_write(folder / RECORD, json.dumps(record, indent=2) + "\n")
    return folder


def _github_available(lookup: Lookup) -> bool:
    env = lookup.env
    return (
        env.get("GITHUB_ACTIONS") == "true"
        and bool(env.get("GITHUB_TOKEN"))
        and bool(env.get("GITHUB_REPOSITORY"))
    )


def _find_on_github(lookup: Lookup) -> Found:
    from generator.model.github import find_artifact

    return find_artifact(lookup)


def _registry_available(lookup: Lookup) -> bool:
    from generator.model.registry_source import registry_available

    return registry_available(lookup)


def _find_in_registry(lookup: Lookup) -> Found:
    from generator.model.registry_source import find_in_registry

    return find_in_registry(lookup)


SOURCES: dict[str, Source] = {
    "mlflow": Source("mlflow", _registry_available, _find_in_registry),
    "github": Source("github", _github_available, _find_on_github),
    "state": Source("state", _state_available, find_in_state),
}


def find_champion(lookup: Lookup, source: str = "auto") -> Found:
    """The champion from `source`, or from the first available source for `auto`."""
    if source != "auto":
        if source not in SOURCES:
            raise UsageError(f"unknown champion source '{source}'; known: auto, {', '.join(SOURCES)}")
        return SOURCES[source].find(lookup)
    for candidate in SOURCES.values():
        if candidate.available(lookup):
            return candidate.find(lookup)
    raise AssertionError("the state source is always available")
