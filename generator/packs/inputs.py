"""Check a spec's `with:` against a pack's inputs schema, with the spec's file:line:col errors."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any

from generator.errors import Problem
from generator.spec.source import Document, Path

_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
}


def check_inputs(
    schema: Mapping[str, Any], given: dict[str, Any], document: Document, at: Path, pack: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The inputs with the schema's defaults filled in, and every problem found (positioned in the spec)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    problems = [
        _problem(error, document, at, schema, pack)
        for error in sorted(validator.iter_errors(given), key=lambda e: list(map(str, e.absolute_path)))
    ]
    values = dict(given)
    for name, prop in (schema.get("properties") or {}).items():
        if name not in values and isinstance(prop, dict) and "default" in prop:
            values[name] = copy.deepcopy(prop["default"])
    return values, problems


def _problem(error: Any, document: Document, at: Path, schema: Mapping[str, Any], pack: str) -> Problem:
    path: Path = (*at, "with", *error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        return _unknown(error, document, path, schema, pack)
    if kind == "required":
        name = error.message.split("'")[1] if "'" in error.message else error.message
        return document.problem(path, f"pack {pack} needs the input '{name}'; add it under with:")
    if kind == "type":
        return document.problem(path, _wrong_type(error.validator_value, error.instance, document, path))
    if kind == "enum":
        return document.problem(path, _not_one_of(error.instance, [str(v) for v in error.validator_value]))
    return document.problem(path, error.message)


def _unknown(error: Any, document: Document, path: Path, schema: Mapping[str, Any], pack: str) -> Problem:
    known = list(schema.get("properties") or {})
    extra = sorted(set(error.instance) - set(known))
    name = extra[0] if extra else "?"
    message = f"pack {pack} has no input '{name}'"
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if guess:
        message += f" (did you mean '{guess[0]}'?)"
    elif known:
        message += f"; its inputs: {', '.join(known)}"
    return document.problem((*path, name), message, key=True)


def _wrong_type(wanted: str | list[str], value: Any, document: Document, path: Path) -> str:
    kinds = [wanted] if isinstance(wanted, str) else list(wanted)
    words = " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds)
    if isinstance(value, (dict, list)) or value is None:
        return f"expected {words}, got {_TYPE_WORDS[_json_type(value)]}"
    shown = document.texts.get(path, repr(value))
    if isinstance(value, str):
        return f"expected {words}, got {shown!r}"
    hint = f'; quote it: "{shown}"' if "string" in kinds else ""
    return f"expected {words}, got {shown}{hint}"


def _json_type(value: Any) -> str:
    return "object" if isinstance(value, dict) else "array" if isinstance(value, list) else "null"


def _not_one_of(value: Any, choices: list[str]) -> str:
    message = f"{value!r} is not one of {', '.join(choices)}"
    guess = difflib.get_close_matches(str(value), choices, n=1)
    return message + (f" (did you mean '{guess[0]}'?)" if guess else "")
