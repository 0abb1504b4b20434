"""A model bundle: the model job's packed artifacts (model.tar.gz, paths relative to the repository root),
read without trusting it: members are capped in size and unpacked with tarfile's data filter."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from generator.errors import ChampionError
from generator.model.gates import numeric_metrics

BUNDLE = "model.tar.gz"
MAX_METRICS_BYTES = 1_000_000


def bundle_metrics(bundle: Path, metrics: str) -> dict[str, float]:
    """The metrics file `metrics` (a path relative to the repository root) inside the bundle."""
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            member = _member(tar, metrics)
            stream = tar.extractfile(member) if member is not None and member.isfile() else None
            if stream is None or member is None or member.size > MAX_METRICS_BYTES:
                raise ChampionError(f"the champion's bundle {bundle} has no metrics file '{metrics}'")
            data = json.loads(stream.read())
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise ChampionError(f"the champion's bundle {bundle} is unreadable: {exc}") from exc
    return numeric_metrics(data, f"'{metrics}' in {bundle}")


def _member(tar: tarfile.TarFile, name: str) -> tarfile.TarInfo | None:
    for candidate in (name, f"./{name}"):
        try:
            return tar.getmember(candidate)
        except KeyError:
            continue
    return None


def unpack(bundle: Path, folder: Path) -> Path:
    """Unpack the bundle into `folder` (no links out, no absolute paths); return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            tar.extractall(folder, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise ChampionError(f"cannot unpack the champion's bundle {bundle}: {exc}") from exc
    return folder


def pack(root: Path, paths: tuple[str, ...], bundle: Path) -> None:
    """Pack `paths` (relative to root) as the model job does: the same layout the champion is read from."""
    bundle.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(bundle, "w:gz") as tar:
        for path in paths:
            tar.add(root / path, arcname=path)
