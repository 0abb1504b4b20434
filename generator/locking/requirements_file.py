"""A requirements file as pip reads it: logical lines (continuations joined), comments, options, pins.

Kept separate from the hashing so that both the project's own file and the lock tool's output are read
the same way, and so that writing a file back can keep every line it does not need to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's own rule: a # at the start or after whitespace
_HASH = re.compile(r"(^|\s)--hash[=\s]+\S+")
# Options that change where packages come from, not what is installed: kept as they are.
INDEX_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
)


# Options that name another requirements file (installed with -r, a constraint with -c).
REFERENCE_OPTIONS = {"-r": "-r", "--requirement": "-r", "-c": "-c", "--constraint": "-c"}


@dataclass(frozen=True)
class Entry:
    """One logical line: its physical lines as written, and what pip makes of it."""

    first: int  # 1-based number of its first physical line
    lines: tuple[str, ...]
    content: str  # without comment and hashes, stripped; "" for blank and comment-only lines
    comment: str  # the trailing comment as written (with its #), or ""
    hashes: tuple[str, ...]

    @property
    def is_option(self) -> bool:
        return self.content.startswith("-")

    @property
    def is_requirement(self) -> bool:
        return bool(self.content) and not self.is_option


@dataclass(frozen=True)
class Pin:
    name: str  # canonical (PEP 503)
    version: str
    operator: str  # == or ===
    line: int


def entries(text: str) -> list[Entry]:
    """The file's logical lines, in order; every physical line belongs to exactly one."""
    physical = text.splitlines()
    result: list[Entry] = []
    index = 0
    while index < len(physical):
        start = index
        while _continues(physical[index]) and index + 1 < len(physical):
            index += 1
        result.append(_entry(start + 1, tuple(physical[start : index + 1])))
        index += 1
    return result


def _continues(line: str) -> bool:
    return line.endswith("\\") and not line.lstrip().startswith("#")


def _entry(first: int, lines: tuple[str, ...]) -> Entry:
    joined = " ".join(line[:-1] if _continues(line) else line for line in lines)
    match = _COMMENT.search(joined)
    comment = match.group(0).strip() if match else ""
    body = joined[: match.start()] if match else joined
    hashes = tuple(h.split("=", 1)[-1].split()[-1] for h in (m.group(0) for m in _HASH.finditer(body)))
    content = " ".join(_HASH.sub(" ", body).split())
    return Entry(first, lines, content, comment, hashes)


def pin_of(entry: Entry) -> Pin | None:
    """The exact pin a requirement line makes, or None when it is not one (`>=`, `*`, a URL)."""
    try:
        requirement = Requirement(entry.content)
    except InvalidRequirement:
        return None
    specifiers = list(requirement.specifier)
    if requirement.url or len(specifiers) != 1:
        return None
    spec = specifiers[0]
    if spec.operator not in ("==", "===") or spec.version.endswith("*"):
        return None
    return Pin(canonicalize_name(requirement.name), spec.version, spec.operator, entry.first)


def option_name(entry: Entry) -> str:
    return entry.content.split("=", 1)[0].split()[0]


def reference_of(entry: Entry) -> tuple[str, str] | None:
    """`-r base.txt` -> ("-r", "base.txt"); `--constraint=c.txt` -> ("-c", "c.txt"); else None."""
    if not entry.is_option:
        return None
    content = entry.content.replace("=", " ", 1) if entry.content.startswith("--") else entry.content
    option, _, target = content.partition(" ")
    kind = REFERENCE_OPTIONS.get(option)
    return (kind, target.strip()) if kind and target.strip() else None


def pins_in(text: str) -> dict[str, Pin]:
    """The exact pins of a requirements text, by canonical name."""
    found = (pin_of(entry) for entry in entries(text) if entry.is_requirement)
    return {pin.name: pin for pin in found if pin is not None}
