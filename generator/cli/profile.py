"""`ci-gen profile`: write the reference profile of the training data (the model job runs it)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK


@click.command("profile")
@project_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it (default: monitor.profile of the spec).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append a Markdown summary of the profile to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="Also print the profile as JSON.")
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    output: Path | None,
    report_path: Path | None,
    as_json: bool,
) -> int:
    """Profile monitor.reference (per feature: type, quantiles or frequencies, missing share)."""
    from generator.location import Location
    from generator.monitor.profile import markdown
    from generator.monitor.run import make_profile

    location = Location.find(directory, spec, templates)
    built, path = make_profile(location, output)
    if report_path is not None:
        with report_path.open("a", encoding="utf-8") as handle:
            handle.write(markdown(built) + "\n")
    if as_json:
        click.echo(json.dumps(built.as_json(), indent=1, sort_keys=True))
    kinds = ", ".join(f"{f.name} ({f.kind})" for f in built.features)
    click.echo(
        f"wrote {location.display(path)}: {built.rows} rows; {kinds}; prediction "
        f"{built.prediction.name} ({built.prediction.kind})",
        err=as_json,
    )
    return EXIT_OK
