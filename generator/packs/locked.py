"""Locked blocks: a repository override may not replace, empty or drop a block its pack locks.

Override templates are parsed with Jinja's own parser (never rendered) and their block definitions and
`{% extends %}` chain are read from the syntax tree, so formatting and comments cannot hide a block.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateSyntaxError

from generator.errors import Problem, SpecError
from generator.packs.model import ResolvedPack

PACK_PREFIX = "packs"


def check_locked(
    overrides: tuple[Path, ...],
    packs: tuple[ResolvedPack, ...],
    builtin: Path,
    display: Callable[[Path], str] = str,
) -> None:
    """SpecError naming the override file, the pack and the block for every locked block it touches."""
    env = _PARSER
    problems: list[Problem] = []
    for position, pack in enumerate(packs):
        earlier = Earlier([*overrides, *(p.templates for p in packs[:position])], packs[:position])
        for template, blocks in pack.manifest.locked.items():
            problems += _check_template(env, pack, template, blocks, earlier, builtin)
    problems = [dataclasses.replace(p, file=display(Path(p.file))) for p in problems]
    if problems:
        raise SpecError(problems, hint="change the pack's inputs instead, or ask its owners to open a block")


@dataclass(frozen=True)
class Earlier:
    """What comes before a pack in the search path: override folders, then the packs listed before it."""

    folders: list[Path]
    packs: tuple[ResolvedPack, ...]

    def pack_file(self, name: str) -> Path | None:
        """An `extends` target naming an earlier pack's template (`packs/NAME/FILE`), as a file."""
        parts = name.split("/", 2)
        if len(parts) != 3 or parts[0] != PACK_PREFIX:
            return None
        for pack in self.packs:
            if pack.name == parts[1] and (pack.templates / parts[2]).is_file():
                return pack.templates / parts[2]
        return None


def _check_template(
    env: Environment,
    pack: ResolvedPack,
    template: str,
    blocks: tuple[str, ...],
    earlier: Earlier,
    builtin: Path,
) -> list[Problem]:
    own = pack.templates / template
    if not own.is_file():
        return [_manifest_problem(pack, f"locks blocks of {template}, which the pack does not have")]
    protected, missing = _protected(env, own, blocks, builtin)
    if missing:
        return [_manifest_problem(pack, f"locks block '{missing[0]}', which {template} does not define")]
    label = f"{pack.name} {pack.version}"
    protected = {name: why.format(pack=label) for name, why in protected.items()}
    winner = next((f / template for f in earlier.folders if (f / template).is_file()), None)
    return _chain(env, winner, pack, template, protected, earlier) if winner else []


def _chain(
    env: Environment,
    path: Path,
    pack: ResolvedPack,
    template: str,
    protected: dict[str, str],
    earlier: Earlier,
) -> list[Problem]:
    """Follow the override's `{% extends %}` chain until it reaches the pack's template."""
    target = f"{PACK_PREFIX}/{pack.name}/{template}"
    seen = set()
    while path not in seen:
        seen.add(path)
        tree = _parse(env, path)
        touched = [block for block, _ in _blocks(tree) if block.name in protected]
        if touched:
            block = touched[0]
            what = protected[block.name]
            return [Problem(str(path), block.lineno, None, "", f"block '{block.name}' {what}")]
        parent = _extends(tree)
        if parent == target:
            return []
        following = earlier.pack_file(parent) if parent else None
        if following is None:
            how = f"extends '{parent}'" if parent else "extends nothing"
            message = (
                f"replaces {template} of pack {pack.name} {pack.version} ({how}), dropping its locked blocks "
                f"{', '.join(pack.manifest.locked[template])}; "
                f'start it with {{% extends "{target}" %}}'
            )
            return [Problem(str(path), 1, None, "", message)]
        path = following
    return []


def _protected(
    env: Environment, own: Path, blocks: tuple[str, ...], builtin: Path
) -> tuple[dict[str, str], list[str]]:
    """Locked blocks and every block that encloses one (overriding those would drop it too)."""
    protected: dict[str, str] = {}
    found: set[str] = set()
    path: Path | None = own
    while path is not None:
        tree = _parse(env, path)
        for block, ancestors in _blocks(tree):
            if block.name in blocks:
                found.add(block.name)
                protected[block.name] = "is locked by pack {pack}"
                for outer in ancestors:
                    protected.setdefault(outer, f"encloses '{block.name}', which is locked by pack {{pack}}")
        parent = _extends(tree)
        path = builtin / parent.removeprefix("builtin/") if parent and parent.startswith("builtin/") else None
    return protected, [b for b in blocks if b not in found]


def _blocks(
    node: nodes.Node, ancestors: tuple[str, ...] = ()
) -> Iterator[tuple[nodes.Block, tuple[str, ...]]]:
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Block):
            yield child, ancestors
            yield from _blocks(child, (*ancestors, child.name))
        else:
            yield from _blocks(child, ancestors)


def _extends(tree: nodes.Template) -> str | None:
    for node in tree.find_all(nodes.Extends):
        if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
            return node.template.value
        return "<a computed name>"
    return None


def _parse(env: Environment, path: Path) -> nodes.Template:
    stat = path.stat()
    return _parse_file(env, str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse_file(env: Environment, path: str, mtime: int, size: int) -> nodes.Template:
    # Cached by file and version: `ci-gen fleet` checks the same pack and built-ins for every repository.
    # The trees are only read, never changed.
    try:
        return env.parse(Path(path).read_text(encoding="utf-8"), Path(path).name, path)
    except TemplateSyntaxError as exc:
        raise SpecError([Problem(path, exc.lineno, None, "", f"template error: {exc.message}")]) from None


_PARSER = Environment(autoescape=True)  # parsing only: nothing is rendered with it


def _manifest_problem(pack: ResolvedPack, message: str) -> Problem:
    return Problem(str(pack.root / "pack.yaml"), None, None, "locked", f"pack {pack.name}: {message}")
