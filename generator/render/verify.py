"""Check rendered workflows before anything touches disk: YAML, GitHub's workflow schema, pinned actions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from generator.errors import Problem, RenderError, SpecError
from generator.render.header import split_header
from generator.resources import action_pins, data_file, load_json
from generator.spec.source import Document, Path, parse_yaml, walk

WORKFLOW_SCHEMA = "schemas/github-workflows.json"
_PINNED = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?@[0-9a-f]{40}$")


def verify(outputs: dict[str, str], sources: dict[str, str] | None = None) -> None:
    """Raise RenderError listing every problem in every output; `sources` names the template of each."""
    problems: list[Problem] = []
    for path, text in sorted(outputs.items()):
        problems += _verify_one(path, text)
    if problems:
        origin = ""
        if sources:
            origin = (
                "\n(rendered from "
                + ", ".join(sorted({sources[p.file] for p in problems if p.file in sources}))
                + ")"
            )
        raise RenderError("\n".join(str(p) for p in problems) + origin, hint=_HINT)


_HINT = "a template (built-in or override) produced an invalid workflow; fix the template named above"


def _verify_one(path: str, text: str) -> list[Problem]:
    try:
        document = parse_yaml(text, path)
    except SpecError as exc:
        return [
            p if p.message.startswith("not valid YAML") else _with_prefix(p, "not valid YAML: ")
            for p in exc.problems
        ]
    data = document.data
    if not isinstance(data, dict):
        return [Problem(path, 1, 1, "", "a workflow must be a mapping")]
    return _schema_problems(document, data) + _check_uses(document)


def _schema_problems(document: Document, data: dict[str, Any]) -> list[Problem]:
    """The schema's verdict comes from the compiled schema; jsonschema words the errors of an invalid
    workflow (and decides when the compiled module is stale or cannot judge the document)."""
    if _compiled_valid(data):
        return []
    return [_schema_problem(document, error) for error in _validator().iter_errors(data)]


def _compiled_valid(data: dict[str, Any]) -> bool:
    check = _compiled()
    try:
        return check is not None and check(data)
    except Exception:  # e.g. a key that is not a string: jsonschema decides, as it did before
        return False


@cache
def _compiled() -> Callable[[Any], bool] | None:
    """The compiled schema (generator/render/workflow_schema.py), if it was compiled from the shipped one."""
    from generator.render import workflow_schema

    shipped = hashlib.sha256(data_file(WORKFLOW_SCHEMA).read_bytes()).hexdigest()
    return workflow_schema.is_valid if shipped == workflow_schema.SCHEMA_SHA256 else None


def _with_prefix(problem: Problem, prefix: str) -> Problem:
    return Problem(problem.file, problem.line, problem.column, problem.path, prefix + problem.message)


def _schema_problem(document: Document, error: Any) -> Problem:
    # A job or step that fits no branch of a oneOf: the deepest error names the offending key
    # (jsonschema's best_match prefers the shallow "'uses' is a required property" of another branch).
    error = max(_leaves(error), key=lambda leaf: len(leaf.absolute_path))
    where: Path = tuple(error.absolute_path)
    return document.problem(where, f"GitHub workflow schema: {error.message}")


def _leaves(error: Any) -> Iterator[Any]:
    if not error.context:
        yield error
    for child in error.context:
        yield from _leaves(child)


def _check_uses(document: Document) -> list[Problem]:
    problems = []
    pins = action_pins()
    for path, value in walk(document.data):
        if not path or path[-1] != "uses" or not isinstance(value, str):
            continue
        if value.startswith(("./", "docker://")):
            continue
        if not _PINNED.fullmatch(value):
            problems.append(document.problem(path, f"'{value}' is not pinned to a full commit SHA"))
            continue
        name = value.split("@", 1)[0].lower()
        step = _parent(document.data, path)
        known = {k.lower(): v for k, v in pins.items()}.get(name)
        if known and isinstance(step, dict) and isinstance(step.get("with"), dict):
            for key in step["with"]:
                if key not in known["inputs"]:
                    problems.append(
                        document.problem((*path[:-1], "with", key), f"{name} has no input '{key}'")
                    )
    return problems


def _parent(data: Any, path: Path) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@cache
def _validator() -> Any:
    from jsonschema import Draft7Validator

    schema = load_json(WORKFLOW_SCHEMA)
    return Draft7Validator(schema)


def body_of(text: str) -> str:
    return split_header(text)[1]
