"""Where a stage's prediction log is: the stable track's output on the local target, the stable pods'
logs on the kubernetes target. One reader per target, registered like the targets themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.deploy.release import Release
from generator.deploy.state import Session, StateStore
from generator.deploy.targets.base import STABLE
from generator.errors import UsageError
from generator.location import Location


@dataclass(frozen=True)
class StageLog:
    """The stable track's prediction log lines, the release serving, and where the lines came from."""

    stage: str
    lines: list[str]
    release: Release | None
    origin: str


def _local(target: Any, release: Release | None, window: int) -> tuple[list[str], str]:
    record = target.state.tracks.get(STABLE)
    if record is None:
        return [], "no stable track"
    lines, _ = target.runtime.output(record, 0)
    return lines, record.log or f"{target.runtime.name} logs {record.container}"


def _kubernetes(target: Any, release: Release | None, window: int) -> tuple[list[str], str]:
    from generator.deploy.targets.kubernetes.api import POD
    from generator.deploy.targets.kubernetes.watch import CONTAINER

    lines: list[str] = []
    pods = target.cluster.select(POD, target.names.label_selector(STABLE))
    for pod in pods:
        lines += target.cluster.logs(pod["metadata"]["name"], CONTAINER, window).splitlines()
    return lines, f"logs of {len(pods)} stable pods over the last {window} s"


READERS: dict[str, Callable[[Any, Release | None, int], tuple[list[str], str]]] = {
    "local": _local,
    "kubernetes": _kubernetes,
}


def stage_log(location: Location, stage: str, window: int) -> StageLog:
    """Read (never change) what the stage's stable track logged; `window` seconds for kubernetes."""
    from generator.deploy.stages import make_target, open_stage

    opened = open_stage(location, stage)
    env = opened.environment
    session = Session(StateStore(env.folder, env.name))
    target = make_target(opened, session)
    release = session.state.stable
    if release is None:
        raise UsageError(
            f"stage '{stage}' has no stable release yet ({env.name}): nothing serves, nothing to monitor",
            hint=f"deploy first: ci-gen deploy --stage {stage} ...",
        )
    assert opened.loaded.spec.deploy is not None
    lines, origin = READERS[opened.loaded.spec.deploy.target](target, release, window)
    return StageLog(stage, lines, release, origin)


def profile_beside(release: Release | None, profile: str) -> Path | None:
    """The profile next to a process-runtime model artifact, if there is one."""
    if release is None or release.artifact is None:
        return None
    artifact = Path(release.artifact)
    folder = artifact if artifact.is_dir() else artifact.parent
    candidate = folder / Path(profile).name
    return candidate if candidate.is_file() else None
