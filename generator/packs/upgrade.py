"""`ci-gen templates upgrade`: what a newer version of a pack changes, as the spec and workflow diffs."""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass

from generator.errors import UsageError
from generator.location import Location
from generator.outputs import FileState, State, compare, pack_change, write, write_file
from generator.packs.locate import installed_packs
from generator.packs.resolve import accepts, git_url
from generator.project import Rendering, render_project
from generator.render.header import split_header
from generator.spec.load import load_spec_text
from generator.spec.pack_ref import PackRef
from generator.spec.source import Document


@dataclass(frozen=True)
class Upgrade:
    spec_before: str
    spec_after: str
    rendering: Rendering
    states: list[FileState]  # every generated file that the upgrade changes
    change: str  # "acme-ml 1.0.0 -> 1.1.0", or "" when the workflows already use these versions

    @property
    def spec_diff(self) -> str:
        name = self.rendering.loaded.plan.spec_path
        lines = difflib.unified_diff(
            self.spec_before.splitlines(keepends=True),
            self.spec_after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        return "".join(lines)


def plan_upgrade(location: Location, pack: str | None = None, to: str | None = None) -> Upgrade:
    """Move the spec's packs (or `pack`) to the newest version at hand, render, and compare with disk."""
    before = location.spec.read_text(encoding="utf-8")
    spec, document = load_spec_text(before, location.display(location.spec))
    refs = _chosen(spec.packs, pack)
    after = before
    for index, ref in reversed(refs):  # from the end, so earlier positions stay valid
        after = _move(after, document, index, ref, location, to)
    rendering = render_project(location, after)
    states = [s for s in compare(location.root, rendering.outputs) if s.state is not State.UP_TO_DATE]
    return Upgrade(before, after, rendering, states, _change(location, rendering))


def apply_upgrade(location: Location, upgrade: Upgrade) -> list[str]:
    """Write the upgraded spec (when it changes) and the workflows; the paths written, as shown to people."""
    written = []
    if upgrade.spec_diff:
        write_file(location.spec, upgrade.spec_after)
        written.append(location.display(location.spec))
    return written + [state.path for state in write(location.root, upgrade.rendering.outputs)]


def _chosen(packs: list[tuple[int, PackRef]], name: str | None) -> list[tuple[int, PackRef]]:
    if not packs:
        raise UsageError("the spec uses no pack", hint="add one to templates: (see `ci-gen templates list`)")
    if name is None:
        return packs
    chosen = [(index, ref) for index, ref in packs if ref.pack == name]
    if not chosen:
        guess = difflib.get_close_matches(name, [ref.pack for _, ref in packs], n=1)
        raise UsageError(
            f"the spec uses no pack '{name}'", hint=f"did you mean '{guess[0]}'?" if guess else None
        )
    return chosen


def _move(text: str, document: Document, index: int, ref: PackRef, location: Location, to: str | None) -> str:
    if ref.git is not None:
        commit = to or remote_head(git_url(ref.git, location.root))
        return replace_scalar(text, document, ("templates", index, "commit"), commit)
    if to is not None:
        raise UsageError(
            f"--to pins a commit of a pack from git; {ref.pack} is an installed distribution",
            hint=f"install the version you want (pip install '{ref.pack}==VERSION'), then upgrade",
        )
    found = installed_packs().get(ref.pack, [])
    if ref.version and len(found) == 1 and not accepts(ref.version, found[0][1]):
        return replace_scalar(text, document, ("templates", index, "version"), _compatible(found[0][1]))
    return text


def _compatible(version: str) -> str:
    """`~=1.3` for 1.3.2: the new minor version and its later patches."""
    from packaging.version import Version

    release = Version(version).release
    return f"~={release[0]}.{release[1] if len(release) > 1 else 0}"


def remote_head(url: str) -> str:
    """The commit the repository's default branch points at."""
    result = subprocess.run(
        ["git", "ls-remote", url, "HEAD"], capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise UsageError(f"cannot read the newest commit of {url}", hint="pass --to COMMIT")
    return result.stdout.split()[0]


def replace_scalar(text: str, document: Document, path: tuple[str | int, ...], value: str) -> str:
    """`text` with the scalar at `path` replaced by `value` (double-quoted), everything else untouched."""
    line, column = document.values[path]
    lines = text.splitlines(keepends=True)
    current = lines[line - 1]
    start = column - 1
    quote = current[start]
    end = current.index(quote, start + 1) + 1 if quote in "\"'" else start + len(document.texts[path])
    lines[line - 1] = current[:start] + f'"{value}"' + current[end:]
    return "".join(lines)


def _change(location: Location, rendering: Rendering) -> str:
    new = next(iter(rendering.outputs.values()), "")
    wanted = split_header(new)[0]
    for path in sorted(rendering.outputs):
        try:
            header = split_header((location.root / path).read_text(encoding="utf-8"))[0]
        except OSError:
            continue
        if header is not None and wanted is not None:
            return pack_change(header.packs, wanted.packs)
    return ""
