"""`ci-gen doctor`: report dev/prod mismatches (Python, locks, Dockerfile, model artifact, port, health)."""

from __future__ import annotations

from collections.abc import Iterator

import click

from generator.cli.options import Invocation, json_option, project_command
from generator.cli.report import Line
from generator.doctor import Report, diagnose
from generator.errors import EXIT_FAILED, EXIT_OK


@click.command("doctor")
@project_command
@json_option("Print the findings as JSON.")
@click.option("--deep", is_flag=True, help="Also recompile each lock with the lock tool and diff (network).")
def command(invocation: Invocation, deep: bool) -> int:
    """Find where the tests, the lock, the container and the model disagree; exit 1 if anything does."""
    report = diagnose(invocation.location, deep=deep)
    invocation.report.result(report.as_json(), _text(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def _text(report: Report) -> Iterator[Line]:
    findings = report.findings
    for finding in findings:
        where = f"{finding.file}:{finding.line}" if finding.line else finding.file
        yield Line(f"{where}: {finding.kind}: {finding.message}", "red")
        yield Line(f"    fix: {finding.fix}")
    for note in report.notes:
        yield Line(f"note: {note}")
    if findings:
        yield Line(f"{len(findings)} mismatch{'es' if len(findings) != 1 else ''} found", err=True)
    else:
        checked = "; ".join(report.checked) or "nothing (see the notes)"
        yield Line(f"no mismatches found. Checked: {checked}")
