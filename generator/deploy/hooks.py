"""What else happens when a stage ends: hooks told of a promotion or a rollback, after the deploy itself
is settled. The driver calls `notify` once per run; the strategies know nothing of hooks.

A hook's failure never changes the deploy's outcome (the release is already stable or rolled back): it
is reported as a progress line that says what was not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from generator.deploy.release import Release
from generator.deploy.report import DeployReport, Emit, Event
from generator.errors import CiGenError

# Outcomes where the stage now vouches for the release: it serves it (installed, promoted, unchanged) or,
# for shadow, the release passed it. Every other outcome is a rollback or refusal.
VOUCHED = frozenset({"installed", "promoted", "unchanged", "passed"})


@dataclass(frozen=True)
class StageEnd:
    """How one stage ended for one release."""

    stage: str
    release: Release
    outcome: str
    reason: str


class DeployHook(Protocol):
    """Told of each stage's end; returns progress lines (what it recorded)."""

    @property
    def name(self) -> str: ...

    def promoted(self, end: StageEnd) -> list[str]: ...

    def rolled_back(self, end: StageEnd) -> list[str]: ...


def notify(hooks: tuple[DeployHook, ...], report: DeployReport, release: Release, emit: Emit) -> None:
    """Tell every hook how the stage ended; a hook that fails is reported and the others still run."""
    end = StageEnd(report.stage, release, report.outcome, report.reason)
    for hook in hooks:
        call = hook.promoted if end.outcome in VOUCHED else hook.rolled_back
        try:
            lines = call(end)
        except (CiGenError, OSError) as exc:
            lines = [f"{hook.name}: not recorded: {exc}"]
        for line in lines:
            emit(Event(line))
