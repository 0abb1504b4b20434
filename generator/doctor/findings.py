"""Findings: one dev/prod mismatch each, with where it is, what differs and the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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

    def as_json(self) -> dict[str, Any]:
        findings = [asdict(f) for f in self.findings]
        return {"ok": self.ok, "findings": findings, "notes": self.notes, "checked": self.checked}
