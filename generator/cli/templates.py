"""`ci-gen templates list | eject NAME`: see the template search path, copy a built-in to override it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from generator.cli.options import Invocation, folder_option, project_command
from generator.cli.report import Line
from generator.errors import EXIT_OK
from generator.location import Location
from generator.overrides import eject, template_set
from generator.render.templates import TemplateSet


@click.group("templates")
def command() -> None:
    """List the templates in use, or eject a built-in one to customise it."""


@command.command("list")
@project_command
def list_templates(invocation: Invocation) -> int:
    """Show each template, where it comes from, and the blocks an override can replace."""
    location = invocation.location
    invocation.report.say(*_listing(location, template_set(location)))
    return EXIT_OK


def _listing(location: Location, templates: TemplateSet) -> Iterator[Line | str]:
    locked = {name: blocks for pack in templates.packs for name, blocks in pack.manifest.locked.items()}
    for info in templates.list():
        source = (
            info.source
            if info.source.startswith(("built-in", "pack "))
            else location.display(Path(info.source))
        )
        marker = " (overrides the built-in)" if info.overrides_builtin else ""
        yield f"{info.name}  [{source}]{marker}"
        if info.blocks:
            yield f"    blocks: {', '.join(info.blocks)}"
        if info.name in locked:
            yield f"    locked: {', '.join(locked[info.name])}"


@command.command("eject")
@project_command
@click.argument("name")
@folder_option(
    "--to",
    "target",
    help="Override folder to copy into (default: the spec's first `templates:` folder, or ci-templates).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing override.")
def eject_template(invocation: Invocation, name: str, target: Path | None, force: bool) -> int:
    """Copy built-in template NAME into an override folder, ready to edit."""
    location = invocation.location
    ejected = eject(location, name, target, force)
    invocation.report.say(f"copied {name} to {location.display(ejected.destination)}")
    if not ejected.in_spec:
        invocation.report.say(f"add it to the spec:  templates: [{location.display(ejected.folder)}]")
    tip = 'tip: to change one block only, replace the copy with {% extends "builtin/' + name + '" %}'
    invocation.report.say(tip)
    return EXIT_OK


@command.command("upgrade")
@project_command
@click.argument("pack", required=False)
@click.option("--to", "to", default=None, metavar="COMMIT", help="For a pack from git: the commit to pin.")
@click.option("--write", is_flag=True, help="Write the new spec and workflows (default: only show the diff).")
def upgrade(invocation: Invocation, pack: str | None, to: str | None, write: bool) -> int:
    """Show what the newest version of the spec's packs (or PACK) changes; --write applies it.

    An installed pack moves to the installed version (widening `version:` when it does not accept it);
    a pack from git moves to --to COMMIT, or to the newest commit of the repository's default branch.
    """
    from generator.packs.upgrade import apply_upgrade, plan_upgrade

    location, say = invocation.location, invocation.report.say
    result = plan_upgrade(location, pack, to)
    spec_diff = result.spec_diff
    say(Line(spec_diff, nl=False), *(Line(state.diff, nl=False) for state in result.states))
    if not spec_diff and not result.states:
        say("the workflows already use the newest pack versions at hand")
        return EXIT_OK
    changed = f" ({result.change})" if result.change else ""
    say(Line(f"{len(result.states)} workflow file(s) change{changed}", err=True))
    if not write:
        say(Line("apply it: `ci-gen templates upgrade --write`, then commit", err=True))
        return EXIT_OK
    say(*(f"updated {path}" for path in apply_upgrade(location, result)))
    return EXIT_OK
