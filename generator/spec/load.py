"""Load `ci-gen.yaml`: parse with positions, validate, and turn every problem into one readable line."""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from generator.errors import Problem, SpecError
from generator.spec.model import Spec
from generator.spec.source import Document, Path, format_path, parse_yaml

MAX_SPEC_BYTES = 1_000_000


def read_spec(path: FsPath, display: str | None = None) -> tuple[Spec, Document]:
    """Read, parse and validate the spec at `path`; errors name `display` (default: the path)."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
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
        raise SpecError([Problem(name, None, None, "", f"not UTF-8 text (byte {exc.start})")]) from None


def load_spec_text(text: str, name: str) -> tuple[Spec, Document]:
    """Validate spec text; raise SpecError listing every problem with its line and column."""
    document = parse_yaml(text, name)
    if not isinstance(document.data, dict):
        kind = "empty" if document.data is None else f"a {type(document.data).__name__}"
        raise SpecError([document.problem((), f"the spec is {kind}; expected a mapping with version: 1")])
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as exc:
        raise SpecError([_problem(document, error) for error in exc.errors()]) from None
    return spec, document


def _problem(document: Document, error: ErrorDetails) -> Problem:
    path: Path = tuple(part for part in error["loc"] if not _is_union_tag(part))
    kind = error["type"]
    if kind == "extra_forbidden":
        return document.problem(path, _unknown_key(path), key=True)
    if kind == "missing":
        return document.problem(path[:-1], f"required key '{path[-1]}' is missing")
    return document.problem(path, _message(document, path, error))


def _is_union_tag(part: Any) -> bool:
    # pydantic adds a union member's type name to the location (e.g. 'int', 'str'); it means nothing to users.
    return isinstance(part, str) and bool(re.fullmatch(r"[a-z]+\[.*\]|int|str|float|bool|function-after\[.*\]", part))


def _message(document: Document, path: Path, error: ErrorDetails) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'|(\d+)", error["ctx"]["expected"])
        choices = [a or b for a, b in options]
        return _not_one_of(value, choices)
    if kind in {"value_error", "assertion_error"}:
        return str(error["ctx"]["error"])
    if kind.endswith("_type") or kind.endswith("_parsing"):
        wanted = kind.split("_")[0].replace("dict", "mapping").replace("model", "mapping")
        shown = document.texts.get(path, _short(value))
        return f"expected {_article(wanted)} {wanted}, got {shown!r}"
    return str(error["msg"])


def _not_one_of(value: Any, choices: list[str]) -> str:
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


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


__all__ = ["format_path", "load_spec_text", "read_spec"]
