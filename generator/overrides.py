"""A project's template overrides: the template set its spec uses, and copying a built-in into an override
folder (`ci-gen templates list | eject`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import UsageError
from generator.location import Location
from generator.outputs import write_file
from generator.render.templates import TemplateSet

if TYPE_CHECKING:
    from generator.packs.model import ResolvedPack


def template_set(location: Location) -> TemplateSet:
    """The templates the spec renders with: command-line overrides, the spec's folders, its packs."""
    folders = list(location.extra_templates)
    packs: tuple[ResolvedPack, ...] = ()
    if location.spec.is_file():
        from generator.packs.resolve import resolve_packs
        from generator.spec.load import read_spec

        spec, document = read_spec(location.spec, location.display(location.spec))
        folders += [location.root / t for t in spec.template_folders]
        packs = resolve_packs(spec, document, location.root) if spec.packs else ()
    return TemplateSet(folders, packs)


@dataclass(frozen=True)
class Ejected:
    destination: Path  # the copy
    folder: Path  # the override folder it is in
    in_spec: bool  # the spec already searches that folder


def eject(location: Location, name: str, target: Path | None, force: bool) -> Ejected:
    """Copy built-in template `name` into `target` (default: the spec's first override folder, else
    ci-templates); refuse to overwrite an existing copy unless `force`."""
    overrides = template_set(location).overrides
    builtins = {info.name: info for info in TemplateSet().list()}
    if name not in builtins:
        guess = difflib.get_close_matches(name, list(builtins), n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else "see `ci-gen templates list`"
        raise UsageError(f"no built-in template '{name}'", hint=hint)
    folder = target or (overrides[0] if overrides else location.root / "ci-templates")
    destination = (location.root / folder if not folder.is_absolute() else folder) / name
    if destination.exists() and not force:
        raise UsageError(
            f"{location.display(destination)} already exists", hint="pass --force to overwrite it"
        )
    write_file(destination, builtins[name].path.read_text(encoding="utf-8"))
    return Ejected(destination, folder, in_spec=bool(overrides) or target is not None)
