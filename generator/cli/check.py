"""`ci-gen check`: exit 1 with a diff when the workflows drift from the spec and templates."""

from __future__ import annotations

from collections.abc import Iterator

import click

from generator.check import EXPLAIN, Verdict, check
from generator.cli.options import Invocation, json_option, project_command
from generator.cli.report import Line
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.location import Location


@click.command("check")
@project_command
@json_option("Print the result as JSON.")
@click.option(
    "--full",
    is_flag=True,
    envvar="CI_GEN_CHECK_FULL",
    help="Always render and compare; never trust the headers' digests (what the PR check runs).",
)
def command(invocation: Invocation, full: bool) -> int:
    """Fail (exit 1) when .github/workflows does not match what ci-gen.yaml renders to.

    Without --full an untouched repository is answered from the headers (fast, for pre-commit and a
    laptop, where the person running it wrote the files); anyone can recompute a header, so the drift
    workflow and the Action pass --full and always render and compare.
    """
    verdict = check(invocation.location, full=full)
    invocation.report.result(verdict.as_json(), _text(invocation.location, verdict))
    return EXIT_FAILED if verdict.drift else EXIT_OK


def _text(location: Location, verdict: Verdict) -> Iterator[Line]:
    if not verdict.drift:
        yield Line("workflows are up to date with " + location.display(location.spec))
        return
    for item in verdict.drift:
        yield Line(item["diff"], nl=False)
    for item in verdict.drift:
        detail = f" ({item['detail']})" if item["detail"] else ""
        yield Line(f"{item['path']}: {item['state']}: {EXPLAIN[item['state']]}{detail}", "red", err=True)
    if any(item["state"] == "pack changed" for item in verdict.drift):
        yield Line("see the change: `ci-gen templates upgrade`; apply it with --write", err=True)
    yield Line(f"fix: run `{verdict.fix}` and commit the result", err=True)
