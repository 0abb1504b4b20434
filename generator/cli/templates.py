"""`ci-gen templates list | eject NAME`: see the template search path, copy a built-in to override it."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.options import handle_errors, project_options
from generator.errors import EXIT_OK, UsageError
from generator.outputs import write_file
from generator.project import Location
from generator.render.templates import TemplateSet


@click.group("templates")
def command() -> None:
    """List the templates in use, or eject a built-in one to customise it."""


def _template_set(location: Location) -> TemplateSet:
    folders = list(location.extra_templates)
    if location.spec.is_file():
        from generator.spec.load import read_spec

        spec, _ = read_spec(location.spec, location.display(location.spec))
        folders += [location.root / t for t in spec.templates]
    return TemplateSet(folders)


@command.command("list")
@project_options
@handle_errors
def list_templates(
    directory: Path | None, spec: Path | None, templates: tuple[Path, ...], debug: bool
) -> int:
    """Show each template, where it comes from, and the blocks an override can replace."""
    location = Location.find(directory, spec, templates)
    for info in _template_set(location).list():
        source = info.source if info.source == "built-in" else location.display(Path(info.source))
        marker = " (overrides the built-in)" if info.overrides_builtin else ""
        click.echo(f"{info.name}  [{source}]{marker}")
        if info.blocks:
            click.echo(f"    blocks: {', '.join(info.blocks)}")
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
