"""Where a pack's files are: an installed distribution's entry point, or ci-gen's cache of git packs.

Light on imports (no YAML, no Jinja): the fast path of `ci-gen check` uses it to digest a pack's files.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

GROUP = "ci_gen.packs"
COMPLETE = ".ci-gen-complete"  # written last into a cached git pack: a half-fetched one is never used


def installed_packs() -> dict[str, list[tuple[str, str, Path | None]]]:
    """Pack name -> [(distribution, version, folder)] for every `ci_gen.packs` entry point."""
    import sys

    return _installed(tuple(sys.path))


@lru_cache(maxsize=4)
def _installed(search_path: tuple[str, ...]) -> dict[str, list[tuple[str, str, Path | None]]]:
    # Cached per search path: `ci-gen fleet` asks once per repository, and the answer cannot change
    # unless sys.path does (or something is installed while ci-gen runs, which it does not expect).
    from importlib.metadata import entry_points

    found: dict[str, list[tuple[str, str, Path | None]]] = {}
    for entry in entry_points(group=GROUP):
        dist = entry.dist
        name, version = (dist.metadata["Name"], dist.version) if dist else ("?", "?")
        found.setdefault(entry.name, []).append((name, version, _module_folder(entry.value)))
    return found


def _module_folder(module: str) -> Path | None:
    """The folder of the package an entry point names, found without importing (running) it."""
    from importlib.util import find_spec

    try:
        spec = find_spec(module.split(":")[0].strip())
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_root() -> Path:
    """Where git packs are checked out: $CI_GEN_CACHE, else $XDG_CACHE_HOME/ci-gen, else ~/.cache/ci-gen."""
    if os.environ.get("CI_GEN_CACHE"):
        return Path(os.environ["CI_GEN_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ci-gen"


def git_pack_folder(name: str, commit: str, url: str, path: str) -> Path:
    """The cache folder of one pack (the repository's `path`) at one commit of one repository."""
    key = hashlib.sha256(f"{url}\0{path}".encode()).hexdigest()[:16]
    return cache_root() / "packs" / f"{name}@{commit}-{key}"


def cached_git_packs(name: str, commit: str) -> list[Path]:
    """Cached checkouts of `name` at `commit` (the fast path does not know the URL; the digest decides)."""
    folder = cache_root() / "packs"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{name}@{commit}-*") if (p / COMPLETE).is_file())


def pack_folders(identities: str) -> list[tuple[str, Path]] | None:
    """(identity, folder) of each pack a header records, if each is still here at that version."""
    from generator.packs.model import parse_identities

    found = []
    installed = None
    for name, version, commit in parse_identities(identities):
        if commit:
            cached = cached_git_packs(name, commit)
            folder = cached[0] if len(cached) == 1 else None
        else:
            installed = _scan_installed() if installed is None else installed
            candidates = installed.get(name, [])
            ok = len(candidates) == 1 and candidates[0][1] == version
            folder = candidates[0][2] if ok else None
        if folder is None:
            return None
        found.append((f"{name}=={version}" + (f"@{commit}" if commit else ""), folder))
    return found


def _scan_installed() -> dict[str, list[tuple[str, str, Path | None]]]:
    """`installed_packs` for the fast path, without importing importlib.metadata (and email with it).

    Reads each `*.dist-info/entry_points.txt` on sys.path directly. Anything it gets wrong can only make
    the inputs digest differ, which sends `check` down the full path, where importlib.metadata decides.
    """
    import sys

    return _scan(tuple(sys.path))


@lru_cache(maxsize=4)
def _scan(search_path: tuple[str, ...]) -> dict[str, list[tuple[str, str, Path | None]]]:
    found: dict[str, list[tuple[str, str, Path | None]]] = {}
    for entry in search_path:
        try:
            infos = [p for p in Path(entry or ".").iterdir() if p.name.endswith(".dist-info")]
        except OSError:
            continue
        for info in infos:
            for pack, module in _pack_entries(info / "entry_points.txt"):
                dist, _, version = info.name[: -len(".dist-info")].partition("-")
                found.setdefault(pack, []).append((dist, version, _module_folder(module)))
    return found


def _pack_entries(path: Path) -> list[tuple[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    entries, inside = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            inside = line == f"[{GROUP}]"
        elif inside and "=" in line and not line.startswith(("#", ";")):
            name, _, value = line.partition("=")
            entries.append((name.strip(), value.strip()))
    return entries
