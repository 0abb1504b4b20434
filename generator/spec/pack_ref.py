"""A platform pack named in `templates:`: which pack, which versions, where from, and its inputs."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from generator.spec.types import RelPath, Slug, Text

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# Tags of the `templates:` union; load.py drops them from error paths (they mean nothing to users).
FOLDER_TAG = "<folder>"
PACK_TAG = "<pack>"


def _specifier(value: str) -> str:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise ValueError(f'\'{value}\' is not a version specifier such as "~=1.2" or ">=1.2,<2"') from None
    return value


def _commit(value: str) -> str:
    if not _COMMIT.match(value):
        raise ValueError(
            f"'{value}' is not a full commit id (40 lower-case hex digits); pin the pack exactly"
        )
    return value


class PackRef(BaseModel):
    """`{pack: acme-ml, version: "~=1.2", with: {runner: acme-large}}`: templates from a platform pack."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    pack: Slug = Field(
        description="The pack's name (an installed distribution's `ci_gen.packs` entry point)."
    )
    version: Annotated[str, AfterValidator(_specifier)] | None = Field(
        default=None, description='Versions the spec accepts, as a PEP 440 specifier ("~=1.2").'
    )
    git: Annotated[Text, Field(min_length=1, max_length=1000)] | None = Field(
        default=None,
        description="A git repository (URL or path) holding the pack, instead of an installed one.",
    )
    commit: Annotated[str, AfterValidator(_commit)] | None = Field(
        default=None, description="The commit of `git` the pack is pinned to (required with git)."
    )
    path: RelPath | None = Field(default=None, description="The pack's folder inside the git repository.")
    with_: dict[str, Any] = Field(
        default_factory=dict, alias="with", description="The pack's inputs, checked against its manifest."
    )

    @model_validator(mode="after")
    def _pinned(self) -> PackRef:
        if self.git is not None and self.commit is None:
            raise ValueError("a pack from git must be pinned: add commit: <the 40-hex commit id>")
        if self.git is None and (self.commit is not None or self.path is not None):
            raise ValueError("commit and path only apply to a pack from git; add git: <repository>")
        return self


def _kind(value: Any) -> str:
    return PACK_TAG if isinstance(value, dict) else FOLDER_TAG


TemplateSource = Annotated[
    Annotated[RelPath, Tag(FOLDER_TAG)] | Annotated[PackRef, Tag(PACK_TAG)],
    Discriminator(_kind),
]
