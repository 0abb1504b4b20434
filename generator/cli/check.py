"""`ci-gen check`: exit 1 with a diff when the workflows drift from the spec and templates."""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.location import Location
from generator.quick import up_to_date

EXPLAIN = {
    "stale": "the spec or templates changed since it was generated",
    "pack changed": "a pack it uses changed version since it was generated",
    "edited by hand": "put the change in the spec or a template override instead",
    "missing": "it has not been generated yet",
    "no longer generated": "the spec no longer produces it",
}


@click.command("check")
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--full",
    is_flag=True,
    envvar="CI_GEN_CHECK_FULL",
    help="Always render and compare; never trust the headers' digests (what the PR check runs).",
)
@handle_errors
def command(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    as_json: bool,
    full: bool,
) -> int:
    """Fail (exit 1) when .github/workflows does not match what ci-gen.yaml renders to.

    Without --full an untouched repository is answered from the headers (fast, for pre-commit and a
    laptop, where the person running it wrote the files); anyone can recompute a header, so the drift
    workflow and the Action pass --full and always render and compare.
    """
    location = Location.find(directory, spec, templates)
    if not full and up_to_date(location.root, location.spec, location.extra_templates):
        return _report(location, [], as_json, quick=True)
    from generator.outputs import State, compare
    from generator.project import render_project

    rendering = render_project(location)
    states = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    drift = [{"path": s.path, "state": s.state.value, "diff": s.diff, "detail": s.detail} for s in states]
    return _report(location, drift, as_json, quick=False)


def fix_command(location: Location) -> str:
    parts = ["ci-gen generate"]
    if location.root != Path.cwd().resolve():
        parts.append(f"-C {location.display(location.root)}")
    if location.spec.name != "ci-gen.yaml":
        parts.append(f"--spec {location.spec.name}")
    parts += [f"--templates {location.display(t)}" for t in location.extra_templates]
    return " ".join(parts)


def _report(location: Location, drift: list[dict[str, str]], as_json: bool, *, quick: bool) -> int:
    fix = fix_command(location)
    if as_json:
        click.echo(
            json.dumps({"up_to_date": not drift, "files": drift, "fix": fix, "quick": quick}, indent=2)
        )
    elif not drift:
        click.echo("workflows are up to date with " + location.display(location.spec))
    else:
        for item in drift:
            click.echo(item["diff"], nl=False)
        for item in drift:
            detail = f" ({item['detail']})" if item["detail"] else ""
            click.secho(
                f"{item['path']}: {item['state']}: {EXPLAIN[item['state']]}{detail}", fg="red", err=True
            )
        if any(item["state"] == "pack changed" for item in drift):
            click.echo("see the change: `ci-gen templates upgrade`; apply it with --write", err=True)
        click.echo(f"fix: run `{fix}` and commit the result", err=True)
    return EXIT_FAILED if drift else EXIT_OK
