"""Read a pack's manifest (`pack.yaml`): its name, version, inputs schema and locked blocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.errors import Problem, SpecError
from generator.packs.model import MANIFEST, TEMPLATES, Manifest
from generator.spec.source import Document, parse_yaml

_KEYS = {"name", "version", "description", "inputs", "locked"}


def read_manifest(root: Path, display: str) -> Manifest:
    """The manifest of the pack in `root`; SpecError (naming `display`/pack.yaml) when it is not usable."""
    file = f"{display}/{MANIFEST}"
    try:
        text = (root / MANIFEST).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            [Problem(file, None, None, "", f"cannot read the pack's manifest: {exc.strerror}")]
        ) from None
    document = parse_yaml(text, file)
    problems = _problems(document)
    if not (root / TEMPLATES).is_dir():
        problems.append(Problem(file, None, None, "", f"the pack has no {TEMPLATES}/ folder next to it"))
    if problems:
        raise SpecError(problems)
    data: dict[str, Any] = document.data
    locked = {name: tuple(blocks) for name, blocks in (data.get("locked") or {}).items()}
    inputs = data.get("inputs") or {"type": "object", "properties": {}}
    return Manifest(data["name"], data.get("version", ""), data.get("description", ""), inputs, locked)


def _problems(document: Document) -> list[Problem]:
    data = document.data
    if not isinstance(data, dict):
        return [document.problem((), "a pack manifest is a mapping with name, version, inputs and locked")]
    problems = [
        document.problem((key,), f"unknown key '{key}'", key=True) for key in data if key not in _KEYS
    ]
    if not isinstance(data.get("name"), str) or not data["name"]:
        problems.append(document.problem(("name",), "'name' must be the pack's name, as the spec writes it"))
    if "version" in data and (not isinstance(data["version"], str) or not data["version"]):
        problems.append(document.problem(("version",), 'write the version as a string: "1.2.0"'))
    problems += _inputs_problems(document, data.get("inputs"))
    problems += _locked_problems(document, data.get("locked"))
    return problems


def _inputs_problems(document: Document, inputs: Any) -> list[Problem]:
    if inputs is None:
        return []
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(inputs, dict) or inputs.get("type") != "object":
        return [document.problem(("inputs",), "inputs must be a JSON Schema with type: object")]
    try:
        Draft202012Validator.check_schema(inputs)
    except SchemaError as exc:
        return [document.problem(("inputs", *exc.absolute_path), f"not a valid JSON Schema: {exc.message}")]
    return []


def _locked_problems(document: Document, locked: Any) -> list[Problem]:
    if locked is None:
        return []
    if not isinstance(locked, dict):
        return [document.problem(("locked",), "locked maps a template name to a list of block names")]
    return [
        document.problem(("locked", name), "expected a list of block names")
        for name, blocks in locked.items()
        if not isinstance(blocks, list) or not all(isinstance(b, str) and b.isidentifier() for b in blocks)
    ]
