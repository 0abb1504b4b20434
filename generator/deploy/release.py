"""What a deploy installs: a release names one version of the model service and how to run it.

Container runtimes run an image reference (`--image NAME[:TAG]@sha256:DIGEST`); the process runtime runs
the spec's serve command with a model artifact (`--artifact PATH`, passed to it as MODEL_PATH).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from generator.errors import UsageError

_HOST = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?/)?"
)
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
_IMAGE = re.compile(
    rf"^(?P<name>{_HOST}{_PATH})(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Release(BaseModel):
    """One deployable version: exactly one of `image` and `artifact` is set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    image: str | None = None
    artifact: str | None = None

    @property
    def label(self) -> str:
        return self.image or self.artifact or self.version


def image_release(reference: str) -> Release:
    """Validate an image reference; its version is the digest's first 12 hex digits, else the tag."""
    match = _IMAGE.fullmatch(reference)
    if not match or not (match["tag"] or match["digest"]):
        raise UsageError(_image_problem(reference), hint="pass --image NAME@sha256:<64 hex digits>")
    version = match["digest"][7:19] if match["digest"] else match["tag"]
    return Release(version=version, image=reference)


def _image_problem(reference: str) -> str:
    name, _, digest = reference.partition("@")
    if not reference.strip() or reference.strip() == "@":
        return "the image reference is empty (did the build job push an image and output its digest?)"
    if "@" in reference and not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        return (
            f"'{reference}' has a malformed digest '{digest}': expected sha256: and 64 lower-case hex digits"
        )
    if not _IMAGE.fullmatch(name):
        return f"'{reference}' is not an image reference such as ghcr.io/acme/iris@sha256:<digest>"
    return f"'{reference}' names no tag or digest; deploy an exact image, preferably by digest"


def artifact_release(path: Path, version: str | None) -> Release:
    """A model artifact on disk (file or folder); its version defaults to a digest of its contents."""
    if not path.exists():
        raise UsageError(f"artifact '{path}' does not exist", hint="pass the trained model with --artifact")
    if version is not None and not _VERSION.fullmatch(version):
        raise UsageError(f"version '{version}' must be 1-64 letters, digits, '.', '_' or '-'")
    return Release(version=version or content_digest(path), artifact=str(path.resolve()))


def content_digest(path: Path) -> str:
    """First 12 hex digits of the SHA-256 of a file (as the example service names its model) or a folder."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if path.is_dir():
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]
