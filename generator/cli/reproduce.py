"""`ci-gen reproduce VERSION|RUN_ID`: rebuild a recorded model run and compare its metrics."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_FAILED, EXIT_OK


@click.command("reproduce")
@project_options
@click.argument("ref")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the venv in DIR (default: a temporary folder, removed).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    ref: str,
    workdir: Path | None,
    as_json: bool,
) -> int:
    """Check out the commit model version REF (or run REF) was trained from, install its locks under its
    Python, retrain, and compare the metrics within model.tracking.tolerance (exit 1 if not reproduced)."""
    from dataclasses import asdict

    from generator.location import Location
    from generator.tracking.reproduce import reproduce

    result = reproduce(
        Location.find(directory, spec, templates), ref, lambda line: click.echo(line, err=True), workdir
    )
    if as_json:
        click.echo(json.dumps({**asdict(result), "ok": result.ok}, indent=2))
    for check in [] if as_json else result.checks:
        got = "missing" if check.reproduced is None else f"{check.reproduced:.6g}"
        verdict = "ok" if check.ok else "DIFFERS"
        click.echo(
            f"{check.name}: recorded {check.recorded:.6g}, reproduced {got} (± {check.tolerance:g}) {verdict}"
        )
    colour = "green" if result.ok else "red"
    click.secho("reproduced" if result.ok else "NOT reproduced", fg=colour, err=as_json)
    return EXIT_OK if result.ok else EXIT_FAILED
