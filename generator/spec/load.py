"""Load `ci-gen.yaml`: parse with positions, validate, and turn every problem into one readable line."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from generator.errors import Problem, SpecError
from generator.paths import read_bytes_capped
from generator.spec.champion import champion_problems
from generator.spec.model import Spec
from generator.spec.source import Document, Path, format_path, parse_yaml
from generator.spec.types import UnquotedVersion

MAX_SPEC_BYTES = 1_000_000


def read_spec(path: FsPath, display: str | None = None) -> tuple[Spec, Document]:
    """Read, parse and validate the spec at `path`; errors name `display` (default: the path)."""
    name = display or str(path)
    try:
        raw = read_bytes_capped(path, MAX_SPEC_BYTES)
    except FileNotFoundError:
        raise SpecError(
            [Problem(name, None, None, "", "no such file; create one with `ci-gen init`")]
        ) from None
    except OSError as exc:
        raise SpecError([Problem(name, None, None, "", f"cannot read: {exc.strerror}")]) from None
    return load_spec_text(_decode(raw, name), name)


def _decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError([Problem(name, None, None, "", "larger than 1 MB; this is not a ci-gen spec")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = len(raw[: exc.start].rsplit(b"\n", 1)[-1].decode("utf-8", "ignore")) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise SpecError([Problem(name, line, column, "", message)]) from None


def load_spec_text(text: str, name: str) -> tuple[Spec, Document]:
    """Validate spec text; raise SpecError listing every problem with its line and column."""
    document = parse_yaml(text, name)
    if not isinstance(document.data, dict):
        kind = "empty" if document.data is None else f"a {type(document.data).__name__}"
        message = f"the spec is {kind}; expected a mapping with version: 1"
        # An empty document (`---` alone) has its null after the last line: name the file, not a line.
        raise SpecError(
            [document.problem((), message) if kind != "empty" else Problem(name, None, None, "", message)]
        )
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as exc:
        raise SpecError([_problem(document, error) for error in exc.errors()]) from None
    problems = [document.problem(path, message) for path, message in champion_problems(spec)]
    if problems:
        raise SpecError(problems)
    return spec, document


def _problem(document: Document, error: ErrorDetails) -> Problem:
    path: Path = tuple(part for part in error["loc"] if not _is_union_tag(part))
    kind = error["type"]
    if kind == "extra_forbidden":
        return document.problem(path, _unknown_key(path), key=True)
    if kind == "missing":
        return document.problem(path[:-1], f"required key '{path[-1]}' is missing")
    if path and path[-1] == "[key]":  # pydantic's marker for a mapping key that failed validation
        return document.problem(path[:-1], _message(document, path[:-1], error), key=True)
    return document.problem(path, _message(document, path, error))


def _is_union_tag(part: Any) -> bool:
    # pydantic adds a union member's type name to the location (e.g. 'int', 'str'); it means nothing to users.
    return isinstance(part, str) and bool(
        re.fullmatch(r"[a-z]+\[.*\]|int|str|float|bool|function-after\[.*\]|<[a-z]+>", part)
    )


def _message(document: Document, path: Path, error: ErrorDetails) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'|(\d+)", error["ctx"]["expected"])
        choices = [a or b for a, b in options]
        return _not_one_of(value, choices)
    if kind in {"value_error", "assertion_error"}:
        return _custom(document, path, error["ctx"]["error"], value)
    if kind in _BOUNDS:
        return _BOUNDS[kind](value, error.get("ctx", {}))
    if kind.endswith(("_type", "_parsing", "_from_float")):
        return _wrong_type(document, path, kind, value)
    return str(error["msg"])


def _custom(document: Document, path: Path, exc: Exception, value: Any) -> str:
    if isinstance(exc, UnquotedVersion):
        written = _written(document, path) or repr(value)
        if not re.fullmatch(r"\d+\.\d+", written):  # .inf, 1e3: quoting would not help
            return f'{written} is not a Python version like "3.11"'
        return f'unquoted {written} is a number to YAML ({value!r}); write it as a string: "{written}"'
    return str(exc)


def _wrong_type(document: Document, path: Path, kind: str, value: Any) -> str:
    wanted = _TYPE_WORDS.get(kind.split("_")[0], kind.split("_")[0])
    if isinstance(value, (dict, list)) or value is None:
        return f"expected {wanted}, got {_KIND_WORDS[type(value)]}"
    shown = _written(document, path) or _short(value)
    if isinstance(value, str):
        return f"expected {wanted}, got {shown!r}"
    hint = f'; quote it: "{shown}"' if wanted == "a string" else ""
    return f"expected {wanted}, got {shown}{hint}"


def _written(document: Document, path: Path) -> str | None:
    """The scalar as typed in the file, also for shorthands (`python: 3.10` fails at python.version)."""
    for end in range(len(path), -1, -1):
        if path[:end] in document.values:
            return document.texts.get(path[:end])
    return None


def _items(count: int) -> str:
    return f"{count} item{'s' if count != 1 else ''}"


def _pattern_words(pattern: str) -> str:
    return _PATTERNS.get(pattern, f"it must match the pattern {pattern}")


# pydantic's wording ("List should have at least 1 item after validation") rewritten for people.
_BOUNDS: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    "too_short": lambda v, c: f"needs at least {_items(c['min_length'])}, got {c['actual_length'] or 'none'}",
    "too_long": lambda v, c: f"allows at most {_items(c['max_length'])}, got {c['actual_length']}",
    "string_too_short": lambda v, c: (
        "cannot be empty" if c["min_length"] == 1 else f"needs at least {c['min_length']} characters"
    ),
    "string_too_long": lambda v, c: f"is {len(v)} characters long; the limit is {c['max_length']}",
    "greater_than_equal": lambda v, c: f"{v!r} is too small; the minimum is {c['ge']}",
    "greater_than": lambda v, c: f"{v!r} is too small; it must be more than {c['gt']}",
    "less_than_equal": lambda v, c: f"{v!r} is too large; the maximum is {c['le']}",
    "less_than": lambda v, c: f"{v!r} is too large; it must be less than {c['lt']}",
    "string_pattern_mismatch": lambda v, c: f"{v!r} is not allowed here; {_pattern_words(c['pattern'])}",
}
_PATTERNS = {
    r"^[A-Za-z_][A-Za-z0-9_]*$": "use letters, digits and _, not starting with a digit",
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$": "use letters, digits, '.', '_' and '-'",
}
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "list": "a list",
    "dict": "a mapping",
    "model": "a mapping",
}
_KIND_WORDS: dict[type, str] = {dict: "a mapping", list: "a list", type(None): "nothing (an empty value)"}


def _not_one_of(value: Any, choices: list[str]) -> str:
    if len(choices) == 1:
        return f"must be {choices[0]}, got {value!r}"
    message = f"{value!r} is not one of {', '.join(choices)}"
    guess = difflib.get_close_matches(str(value), choices, n=1)
    return message + (f" (did you mean '{guess[0]}'?)" if guess else "")


def _unknown_key(path: Path) -> str:
    key = str(path[-1])
    allowed = _allowed_keys(path[:-1])
    message = f"unknown key '{key}'"
    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if guess:
        return f"{message} (did you mean '{guess[0]}'?)"
    return f"{message}; allowed here: {', '.join(allowed)}" if allowed else message


def _allowed_keys(path: Path) -> list[str]:
    model = _model_at(Spec, path)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_at(annotation: Any, path: Path) -> type[BaseModel] | None:
    """Follow `path` through the spec's type annotations to the model found there."""
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return _as_model(annotation)


def _step(annotation: Any, part: str | int) -> Any:
    model = _as_model(annotation)
    if model is not None and isinstance(part, str):
        for name, field in model.model_fields.items():
            if part in (field.alias, name):
                return field.annotation
        return None
    for arg in _members(annotation):
        origin = typing.get_origin(arg)
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
    return None


def _as_model(annotation: Any) -> type[BaseModel] | None:
    for arg in _members(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _members(annotation: Any) -> list[Any]:
    """Unwrap Annotated and unions into the plain types they contain."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["format_path", "load_spec_text", "read_spec"]
