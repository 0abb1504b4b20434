"""`ci-gen doctor`: report dev/prod mismatches (Python, locks, Dockerfile, model artifact, port, health)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.doctor import Report, diagnose
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.location import Location


@click.command("doctor")
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--deep", is_flag=True, help="Also recompile each lock with the lock tool and diff (network).")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    as_json: bool,
    deep: bool,
) -> int:
    """Find where the tests, the lock, the container and the model disagree; exit 1 if anything does."""
    location = Location.find(directory, spec, templates)
    report = diagnose(location, deep=deep)
    if as_json:
        findings = [asdict(f) for f in report.findings]
        payload = {"ok": report.ok, "findings": findings, "notes": report.notes, "checked": report.checked}
        click.echo(json.dumps(payload, indent=2))
    else:
        _print(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print(report: Report) -> None:
    findings = report.findings
    for finding in findings:
        where = f"{finding.file}:{finding.line}" if finding.line else finding.file
        click.secho(f"{where}: {finding.kind}: {finding.message}", fg="red")
        click.echo(f"    fix: {finding.fix}")
    for note in report.notes:
        click.echo(f"note: {note}")
    if findings:
        click.echo(f"{len(findings)} mismatch{'es' if len(findings) != 1 else ''} found", err=True)
    else:
        checked = "; ".join(report.checked) or "nothing (see the notes)"
        click.echo(f"no mismatches found. Checked: {checked}")
