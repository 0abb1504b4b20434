"""Answer `ci-gen check` from the headers alone when nothing it depends on has changed.

Rendering imports pydantic, Jinja and jsonschema; a drift check on an untouched repository needs none of
them, nor a YAML parser: each header records the digest of its inputs and the spec's override folders
(unchanged while the spec's bytes are). If the digest of the inputs matches every header and every body
matches its own digest, rendering would give the same bytes, so the answer is "up to date".
"""

from __future__ import annotations

from pathlib import Path

from generator.defaults import WORKFLOWS_DIR
from generator.digest import inputs_digest, template_names
from generator.errors import UsageError
from generator.packs.locate import pack_folders
from generator.paths import is_inside, read_bytes_capped
from generator.render.header import Header, body_digest, split_header
from generator.resources import builtin_templates_dir

WORKFLOWS = Path(WORKFLOWS_DIR)


def up_to_date(root: Path, spec: Path, extra_templates: tuple[Path, ...]) -> bool:
    """True only when the headers prove the files are current; False means "render to find out"."""
    try:
        named = _headers(root / WORKFLOWS)
        headers = list(named.values())
        if not headers or len({h.templates for h in headers}) != 1:
            return False
        folders = [*extra_templates, *(root / name for name in headers[0].templates)]
        packs = pack_folders(headers[0].packs) if headers[0].packs else []
        if packs is None or len({h.packs for h in headers}) != 1:
            return False
        expected = inputs_digest(read_bytes_capped(spec), folders, packs)
        folders += [folder / "templates" for _, folder in packs]
        # A renamed file keeps its header; only a template of that name could have rendered it.
        renamed = not set(named) <= _workflow_names([*folders, builtin_templates_dir()])
    except (OSError, UnicodeDecodeError, UsageError):
        return False  # any doubt sends us down the full, exact path
    parts = {h.part for h in headers}
    current = all(h.inputs == expected for h in headers) and not renamed
    return current and parts == set(range(1, headers[0].parts + 1))


def _workflow_names(folders: list[Path]) -> set[str]:
    """File names the templates in `folders` render to (`ci-gen.yml.j2` -> `ci-gen.yml`)."""
    names = (name for folder in folders for name in template_names(folder))
    return {name[: -len(".j2")] for name in names if name.endswith(".yml.j2") and not name.startswith("_")}


def _headers(folder: Path) -> dict[str, Header]:
    """Headers of the generated files in `folder` by file name, or {} if any was edited by hand."""
    headers = {}
    for path in folder.iterdir():
        if path.suffix not in {".yml", ".yaml"}:
            continue
        if not is_inside(folder, path):
            return {}
        header, body = split_header(read_bytes_capped(path).decode("utf-8"))
        if header is None:
            continue
        if header.body != body_digest(body):
            return {}
        headers[path.name] = header
    return headers
