"""`ci-gen fleet PATH...`: one row per repository (spec, pack, ci-gen version, drift, doctor)."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import debug_option, handle_errors, report_option
from generator.cli.report import Line, Reporter
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.outputs import write_file


@click.command("fleet")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    help="How to print the report.",
)
@report_option()
@click.option("--strict", is_flag=True, help="Exit 1 unless every repository is clean.")
@click.option(
    "--full",
    is_flag=True,
    envvar="CI_GEN_CHECK_FULL",
    help="Render every repository; never trust the headers' digests (slower; as the PR check does).",
)
@debug_option
@handle_errors
def command(
    paths: tuple[Path, ...],
    output_format: str,
    report_path: Path | None,
    strict: bool,
    full: bool,
    debug: bool,
) -> int:
    """Report on many repositories: checkouts, or files listing them one per line."""
    from generator.packs import fleet, fleet_report

    rows = fleet.survey(fleet.require_repositories(fleet.repositories(paths)), full=full)
    render = {"table": fleet_report.table, "json": fleet_report.as_json, "markdown": fleet_report.markdown}
    Reporter().say(Line(render[output_format](rows), nl=False))
    if report_path is not None:
        write_file(report_path, fleet_report.markdown(rows))
    return EXIT_FAILED if strict and not all(row.clean for row in rows) else EXIT_OK
