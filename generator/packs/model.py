"""A pack as ci-gen uses it once found: where its files are, what it is, what the spec gave it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "pack.yaml"
TEMPLATES = "templates"


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str  # "" when an installed distribution's version is the pack's version
    description: str
    inputs: Mapping[str, Any]  # a JSON Schema for the spec's `with:`
    locked: Mapping[str, tuple[str, ...]]  # template name -> blocks a repository may not replace


@dataclass(frozen=True)
class ResolvedPack:
    """One pack of the spec: found, its version accepted, its inputs checked and defaults filled."""

    manifest: Manifest
    root: Path  # the folder holding pack.yaml and templates/
    origin: str  # "installed" or "git <url>"
    commit: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES

    @property
    def identity(self) -> str:
        """`acme-ml==1.2.0`, or `acme-ml==1.2.0@<commit>` from git: what the header records."""
        return f"{self.name}=={self.version}" + (f"@{self.commit}" if self.commit else "")

    @property
    def label(self) -> str:
        where = f" from {self.origin.removeprefix('git ')}@{self.commit[:12]}" if self.commit else ""
        return f"pack {self.name} {self.version}{where}"


def identities(packs: tuple[ResolvedPack, ...] | list[ResolvedPack]) -> str:
    return ",".join(pack.identity for pack in packs)


def parse_identities(text: str) -> list[tuple[str, str, str | None]]:
    """`a==1.0,b==2.0@<commit>` -> [(name, version, commit or None)]."""
    result = []
    for item in filter(None, text.split(",")):
        name, _, rest = item.partition("==")
        version, _, commit = rest.partition("@")
        result.append((name, version, commit or None))
    return result
