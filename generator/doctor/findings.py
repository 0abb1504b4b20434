"""Findings: one dev/prod mismatch each, with where it is, what differs and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.location import Location


@dataclass(frozen=True)
class Finding:
    """One mismatch: the file and line it is seen at, what differs, and how to fix it."""

    kind: str
    file: str
    line: int | None
    message: str
    fix: str


@dataclass
class Report:
    """What doctor found, plus what it could not check and why (never a silent pass)."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was inspected, so "ok" claims no more

    def add(self, kind: str, file: str, line: int | None, message: str, fix: str) -> None:
        self.findings.append(Finding(kind, file, line, message, fix))

    @property
    def ok(self) -> bool:
        return not self.findings


def diagnose(location: Location, *, deep: bool = False) -> Report:
    """Run every check on the project at `location`; findings come sorted by file and line."""
    # Imported here: the checks import Report from this module.
    from generator.doctor.checks import CHECKS, DEEP_CHECKS
    from generator.doctor.project import Project

    project = Project.open(location)
    report = Report()
    for check in (*CHECKS.values(), *(DEEP_CHECKS.values() if deep else ())):
        check(project, report)
    report.findings.sort(key=lambda f: (f.file, f.line or 0, f.kind))
    return report
