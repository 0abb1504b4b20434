"""Digests of what a rendering depends on. Light on imports: `ci-gen check` uses it before anything else."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from generator import __version__
from generator.paths import confine, read_bytes_capped
from generator.resources import builtin_templates_dir, data_file

DATA_FILES = ("actions.json", "tools.json")


def template_names(folder: Path) -> list[str]:
    """Template files below `folder`, as sorted relative POSIX paths."""
    if not folder.is_dir():
        return []
    found = [path for path in folder.rglob("*.j2") if "__pycache__" not in path.parts]
    for path in found:
        confine(folder, path, "template")  # a link out of the folder is refused, never read
    return sorted(path.relative_to(folder).as_posix() for path in found if path.is_file())


def templates_digest(folders: Iterable[Path]) -> str:
    """Every template file in the search path, in order."""
    digest = hashlib.sha256()
    for index, folder in enumerate(folders):
        for name in template_names(folder):
            digest.update(f"{index}\0{name}\0".encode())
            digest.update(read_bytes_capped(folder / name))
    return digest.hexdigest()


def inputs_digest(
    spec_bytes: bytes, override_folders: Iterable[Path], packs: Iterable[tuple[str, Path]] = ()
) -> str:
    """What a rendering depends on: equal digests mean byte-identical output.

    `packs` are (identity, pack folder) pairs: the pack's name, version (and commit), its manifest and
    its templates, which come after the override folders in the search path.
    """
    digest = hashlib.sha256()
    digest.update(f"ci-gen {__version__}\0".encode())
    digest.update(hashlib.sha256(spec_bytes).digest())
    for name in DATA_FILES:
        digest.update(hashlib.sha256(data_file(name).read_bytes()).digest())
    pack_list = list(packs)
    pack_templates = [root / "templates" for _, root in pack_list]
    digest.update(templates_digest([*override_folders, *pack_templates, builtin_templates_dir()]).encode())
    for identity, root in pack_list:
        digest.update(f"pack\0{identity}\0".encode())
        digest.update(hashlib.sha256((root / "pack.yaml").read_bytes()).digest())
    return digest.hexdigest()
