"""`ci-gen templates list | eject NAME`: see the template search path, copy a built-in to override it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, UsageError
from generator.outputs import write_file
from generator.project import Location
from generator.render.templates import TemplateSet

if TYPE_CHECKING:
    from generator.packs.model import ResolvedPack


@click.group("templates")
def command() -> None:
    """List the templates in use, or eject a built-in one to customise it."""


def _template_set(location: Location) -> TemplateSet:
    folders = list(location.extra_templates)
    packs: tuple[ResolvedPack, ...] = ()
    if location.spec.is_file():
        from generator.packs.resolve import resolve_packs
        from generator.spec.load import read_spec

        spec, document = read_spec(location.spec, location.display(location.spec))
        folders += [location.root / t for t in spec.template_folders]
        packs = resolve_packs(spec, document, location.root) if spec.packs else ()
    return TemplateSet(folders, packs)


@command.command("list")
@project_options
@handle_errors
def list_templates(
    directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool
) -> int:
    """Show each template, where it comes from, and the blocks an override can replace."""
    location = Location.find(directory, spec, templates)
    template_set = _template_set(location)
    locked = {name: blocks for pack in template_set.packs for name, blocks in pack.manifest.locked.items()}
    for info in template_set.list():
        source = (
            info.source
            if info.source.startswith(("built-in", "pack "))
            else location.display(Path(info.source))
        )
        marker = " (overrides the built-in)" if info.overrides_builtin else ""
        click.echo(f"{info.name}  [{source}]{marker}")
        if info.blocks:
            click.echo(f"    blocks: {', '.join(info.blocks)}")
        if info.name in locked:
            click.echo(f"    locked: {', '.join(locked[info.name])}")
    return EXIT_OK


@command.command("eject")
@project_options
@click.argument("name")
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Override folder to copy into (default: the spec's first `templates:` folder, or ci-templates).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing override.")
@handle_errors
def eject(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    name: str,
    target: Path | None,
    force: bool,
) -> int:
    """Copy built-in template NAME into an override folder, ready to edit."""
    location = Location.find(directory, spec, templates)
    template_set = _template_set(location)
    builtins = {info.name: info for info in TemplateSet().list()}
    if name not in builtins:
        import difflib

        guess = difflib.get_close_matches(name, list(builtins), n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else "see `ci-gen templates list`"
        raise UsageError(f"no built-in template '{name}'", hint=hint)
    folder = target or (
        template_set.overrides[0] if template_set.overrides else location.root / "ci-templates"
    )
    destination = (location.root / folder if not folder.is_absolute() else folder) / name
    if destination.exists() and not force:
        raise UsageError(
            f"{location.display(destination)} already exists", hint="pass --force to overwrite it"
        )
    write_file(destination, builtins[name].path.read_text(encoding="utf-8"))
    click.echo(f"copied {name} to {location.display(destination)}")
    if not template_set.overrides and target is None:
        click.echo(f"add it to the spec:  templates: [{location.display(folder)}]")
    click.echo('tip: to change one block only, replace the copy with {% extends "builtin/' + name + '" %}')
    return EXIT_OK


@command.command("upgrade")
@project_options
@click.argument("pack", required=False)
@click.option("--to", "to", default=None, metavar="COMMIT", help="For a pack from git: the commit to pin.")
@click.option("--write", is_flag=True, help="Write the new spec and workflows (default: only show the diff).")
@handle_errors
def upgrade(
    directory: Path | None,
    spec: Path | None,
    templates: tuple[Path, ...],
    debug: bool,
    pack: str | None,
    to: str | None,
    write: bool,
) -> int:
    """Show what the newest version of the spec's packs (or PACK) changes; --write applies it.

    An installed pack moves to the installed version (widening `version:` when it does not accept it);
    a pack from git moves to --to COMMIT, or to the newest commit of the repository's default branch.
    """
    from generator.outputs import write as write_outputs
    from generator.packs.upgrade import plan_upgrade

    location = Location.find(directory, spec, templates)
    result = plan_upgrade(location, pack, to)
    spec_diff = result.spec_diff
    click.echo(spec_diff, nl=False)
    for state in result.states:
        click.echo(state.diff, nl=False)
    if not spec_diff and not result.states:
        click.echo("the workflows already use the newest pack versions at hand")
        return EXIT_OK
    changed = f" ({result.change})" if result.change else ""
    click.echo(f"{len(result.states)} workflow file(s) change{changed}", err=True)
    if not write:
        click.echo("apply it: `ci-gen templates upgrade --write`, then commit", err=True)
        return EXIT_OK
    if spec_diff:
        write_file(location.spec, result.spec_after)
        click.echo(f"updated {location.display(location.spec)}")
    for state in write_outputs(location.root, result.rendering.outputs):
        click.echo(f"updated {state.path}")
    return EXIT_OK
