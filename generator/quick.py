"""Answer `ci-gen check` from the headers alone when nothing it depends on has changed.

Rendering imports pydantic, Jinja and jsonschema; a drift check on an untouched repository needs none of
them. If the digest of the inputs matches every generated file's header and every body matches its own
digest, rendering would give the same bytes, so the answer is "up to date".
"""

from __future__ import annotations

from pathlib import Path

from generator.digest import inputs_digest
from generator.render.header import body_digest, split_header

WORKFLOWS = Path(".github") / "workflows"


def up_to_date(root: Path, spec: Path, extra_templates: tuple[Path, ...]) -> bool:
    """True only when the headers prove the files are current; False means "render to find out"."""
    try:
        spec_bytes = spec.read_bytes()
        folders = [*extra_templates, *(root / name for name in _template_folders(spec_bytes))]
        expected = inputs_digest(spec_bytes, folders)
        return _headers_match(root / WORKFLOWS, expected)
    except Exception:
        return False


def _template_folders(spec_bytes: bytes) -> list[str]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(spec_bytes, Loader=loader)  # noqa: S506 - a safe loader
    folders = data.get("templates") or []
    if not isinstance(folders, list) or not all(isinstance(f, str) for f in folders):
        raise ValueError("templates is not a list of folders")
    return folders


def _headers_match(folder: Path, expected: str) -> bool:
    parts: set[int] = set()
    total = None
    for path in folder.iterdir():
        if path.suffix not in {".yml", ".yaml"}:
            continue
        header, body = split_header(path.read_text(encoding="utf-8"))
        if header is None:
            continue
        if header.inputs != expected or header.body != body_digest(body) or total not in (None, header.parts):
            return False
        total = header.parts
        parts.add(header.part)
    return total is not None and parts == set(range(1, total + 1))
