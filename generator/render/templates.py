"""The template search path: override folders first, built-ins last, in one sandboxed Jinja environment."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined, TemplateNotFound, Undefined
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator.digest import template_names
from generator.errors import UsageError
from generator.paths import confine, read_text_capped
from generator.render.bytecode import template_cache
from generator.render.quote import yaml_quote
from generator.resources import builtin_templates_dir

if TYPE_CHECKING:
    from generator.packs.model import ResolvedPack

# A workflow template renders `.github/workflows/<name>`; names starting with `_` are partials.
WORKFLOW_SUFFIX = ".yml.j2"
BUILTIN_PREFIX = "builtin"
_BLOCK = re.compile(r"{%-?\s*block\s+(\w+)")
_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    source: str  # "built-in" or the override folder it comes from
    path: Path
    blocks: tuple[str, ...]
    overrides_builtin: bool


class TemplateSet:
    """Templates in search order; `{% extends "builtin/NAME" %}` always reaches the built-in."""

    def __init__(self, overrides: Iterable[Path] = (), packs: Iterable[ResolvedPack] = ()) -> None:
        self.overrides = tuple(overrides)
        self.packs = tuple(packs)  # after the override folders, before the built-ins
        for folder in self.overrides:
            if not folder.is_dir():
                raise UsageError(
                    f"template folder '{folder}' does not exist",
                    hint="create it or fix `templates:` in the spec / the --templates option",
                )
        self.builtin = builtin_templates_dir()

    @property
    def folders(self) -> tuple[Path, ...]:
        return (*self.overrides, *(pack.templates for pack in self.packs), self.builtin)

    def environment(self) -> ImmutableSandboxedEnvironment:
        builtin = FolderLoader(self.builtin)
        loaders = [FolderLoader(folder) for folder in self.folders[:-1]]
        # `{% extends "packs/NAME/FILE" %}` reaches a pack's own template past any override of it.
        packs = {pack.name: FolderLoader(pack.templates) for pack in self.packs}
        loader = ChoiceLoader(
            [
                PrefixLoader({"packs": PrefixLoader(packs)}),
                *loaders,
                builtin,
                PrefixLoader({BUILTIN_PREFIX: builtin}),
            ]
        )
        env = ImmutableSandboxedEnvironment(
            loader=loader,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
            bytecode_cache=template_cache(),
        )
        env.filters["q"] = quote_filter
        env.globals["gh"] = github_expression
        return env

    def workflow_names(self) -> list[str]:
        """The workflow templates of the search path (names only: no template is read)."""
        names = {name for folder in self.folders for name in template_names(folder)}
        return sorted(n for n in names if n.endswith(WORKFLOW_SUFFIX) and not n.startswith("_"))

    def list(self) -> list[TemplateInfo]:
        """Every template that wins the search, with where it comes from and the blocks it defines."""
        seen: dict[str, TemplateInfo] = {}
        builtin_names = set(template_names(self.builtin))
        for folder in self.folders:
            for name in template_names(folder):
                if name in seen:
                    continue
                path = folder / name
                seen[name] = TemplateInfo(
                    name=name,
                    source="built-in" if folder == self.builtin else self._source(folder),
                    path=path,
                    blocks=_blocks(path),
                    overrides_builtin=folder != self.builtin and name in builtin_names,
                )
        return sorted(seen.values(), key=lambda info: info.name)

    def _source(self, folder: Path) -> str:
        return next((pack.label for pack in self.packs if pack.templates == folder), str(folder))


class FolderLoader(FileSystemLoader):
    """Templates of one folder: a template (or an `{% include %}`) that is a link leaving the folder is
    refused, and a file is read with a size cap, so an override cannot pull in files from elsewhere."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        path = self.folder.joinpath(*split_template_path(template))
        if not (path.is_symlink() or path.exists()):
            raise TemplateNotFound(template)
        confine(self.folder, path, f"template '{template}'")
        text = read_text_capped(path)
        mtime = path.stat().st_mtime
        return text, str(path), lambda: path.stat().st_mtime == mtime


def _blocks(path: Path) -> tuple[str, ...]:
    text = _COMMENT.sub("", read_text_capped(path))
    return tuple(dict.fromkeys(_BLOCK.findall(text)))


def quote_filter(value: Any) -> str:
    """`| q`: a quoted YAML scalar; an undefined value fails with its own message, not a TypeError."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError, naming what is missing
    return yaml_quote(value)


def github_expression(expression: str) -> str:
    """`gh("github.sha")` -> `${{ github.sha }}`: for template authors, never for spec values."""
    return "${{ " + expression + " }}"
