"""What a champion source is asked (Lookup) and what it answers (Found); every source imports these, and
generator/model/champion.py tries the sources in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.model.gates import Champion

if TYPE_CHECKING:
    from generator.spec.model import Spec


@dataclass(frozen=True)
class Lookup:
    """What every source needs to find the champion of one stage."""

    stage: str
    environment: str
    root: Path  # the spec's folder
    state_folder: str  # the stage's deploy state folder, relative to root or absolute (the record is in it)
    metrics: str  # the metrics file's path inside a bundle
    deploy_ref: str  # refs/heads/BRANCH: only that branch's deploys make champions
    work: Path  # a scratch folder for downloads
    env: Mapping[str, str]
    spec: Spec | None = None  # for the registry: its tracking settings and model name
    want_bundle: bool = False  # the replay needs the champion's model files, not only its metrics


@dataclass(frozen=True)
class Found:
    """The champion (None: none yet), its bundle when one was found, and what was looked at."""

    champion: Champion | None
    bundle: Path | None
    note: str
