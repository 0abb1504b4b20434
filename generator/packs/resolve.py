"""Find the packs a spec names, accept their versions, check their inputs: spec positions on every error."""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path

from generator.errors import Problem, SpecError, UsageError
from generator.packs.git import PackFetchError, fetch_git_pack
from generator.packs.inputs import check_inputs
from generator.packs.locate import installed_packs
from generator.packs.manifest import read_manifest
from generator.packs.model import ResolvedPack
from generator.spec.model import Spec
from generator.spec.pack_ref import PackRef
from generator.spec.source import Document

_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]*://|^[^/]+@[^/]+:")  # https://…, ssh://…, git@host:…


def resolve_packs(spec: Spec, document: Document, root: Path) -> tuple[ResolvedPack, ...]:
    """Every pack of `templates:` in order; SpecError listing every problem with its position."""
    problems: list[Problem] = []
    packs: list[ResolvedPack] = []
    seen: set[str] = set()
    for index, ref in spec.packs:
        if ref.pack in seen:
            problems.append(
                document.problem(("templates", index, "pack"), f"pack {ref.pack} is listed twice")
            )
            continue
        seen.add(ref.pack)
        try:
            pack = _resolve(ref, index, document, root)
        except SpecError as exc:
            problems += exc.problems
            continue
        packs.append(pack)
    if problems:
        raise SpecError(problems)
    return tuple(packs)


def _resolve(ref: PackRef, index: int, document: Document, root: Path) -> ResolvedPack:
    at = ("templates", index)
    pack = _from_git(ref, root, document, at) if ref.git else _installed(ref, document, at)
    problems = []
    if pack.name != ref.pack:
        problems.append(document.problem((*at, "pack"), f"the pack found there is named {pack.name}"))
    if ref.version and not accepts(ref.version, pack.version):
        problems.append(document.problem((*at, "version"), _version_message(ref, pack)))
    values, input_problems = check_inputs(pack.manifest.inputs, dict(ref.with_), document, at, ref.pack)
    if problems or input_problems:
        raise SpecError(problems + input_problems)
    return dataclasses.replace(pack, inputs=values)


def _installed(ref: PackRef, document: Document, at: tuple[str | int, ...]) -> ResolvedPack:
    found = installed_packs()
    if ref.pack not in found:
        guess = difflib.get_close_matches(ref.pack, list(found), n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        message = f"no installed pack '{ref.pack}'{hint}; install the distribution that provides it"
        raise SpecError([document.problem((*at, "pack"), message + " or pin it from git")])
    candidates = found[ref.pack]
    if len(candidates) > 1:
        names = ", ".join(f"{dist} {version}" for dist, version, _ in candidates)
        raise SpecError([document.problem((*at, "pack"), f"more than one distribution provides it: {names}")])
    dist, version, folder = candidates[0]
    if folder is None:
        message = f"the entry point of {dist} {version} does not name an importable package folder"
        raise SpecError([document.problem((*at, "pack"), message)])
    manifest = read_manifest(folder, str(folder))
    if manifest.version and manifest.version != version:
        message = f"pack.yaml says version {manifest.version}, the distribution {dist} is {version}"
        raise SpecError([Problem(f"{folder}/pack.yaml", None, None, "version", message)])
    manifest = dataclasses.replace(manifest, version=version)
    return ResolvedPack(manifest, folder, "installed")


def _from_git(ref: PackRef, root: Path, document: Document, at: tuple[str | int, ...]) -> ResolvedPack:
    assert ref.git is not None and ref.commit is not None  # the spec model requires both
    url = git_url(ref.git, root)
    if not _REMOTE.match(ref.git) and not Path(url).is_dir():
        raise SpecError(
            [document.problem((*at, "git"), f"no repository at '{ref.git}' (relative to the spec)")]
        )
    path = ref.path or "."
    try:
        folder = fetch_git_pack(ref.pack, url, ref.commit, path)
    except PackFetchError as exc:
        # Still exit 3 (git or the network failed), but say which entry of the spec it was for.
        raise PackFetchError(str(document.problem((*at, "commit"), exc.message))) from None
    except UsageError as exc:
        raise SpecError([document.problem((*at, "path"), exc.message)]) from None
    display = f"{ref.git}@{ref.commit[:12]}" + (f"/{path}" if path != "." else "")
    manifest = read_manifest(folder, display)
    if not manifest.version:
        raise SpecError(
            [Problem(f"{display}/pack.yaml", None, None, "version", "a pack in git needs a version")]
        )
    return ResolvedPack(manifest, folder, f"git {ref.git}", commit=ref.commit)


def git_url(git: str, root: Path) -> str:
    """A remote URL as written; a local path relative to the spec's folder."""
    return git if _REMOTE.match(git) else str((root / git).resolve())


def accepts(specifier: str, version: str) -> bool:
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _version_message(ref: PackRef, pack: ResolvedPack) -> str:
    where = "is installed" if pack.commit is None else f"is at commit {pack.commit[:12]}"
    fix = (
        f"pip install '{ref.pack}{ref.version}'"
        if pack.commit is None
        else "pin a commit with a matching version"
    )
    return f"{ref.pack} {pack.version} {where}; the spec accepts {ref.version} ({fix}, or change version:)"
