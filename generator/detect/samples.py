"""A sample predict request, derived statically: a JSON body the project's tests POST, or the request model.

Tests are the better source (a body someone saw work); a pydantic model gives a body of the right shape,
filled from defaults and examples where the model has them and typed placeholders where it has not.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from generator.detect.routes import literal, python_files

_PLACEHOLDERS: dict[str, Any] = {"float": 0.5, "int": 1, "str": "text", "bool": False}
_MAX_DEPTH = 4


def sample_from_tests(root: Path, path: str) -> tuple[Any, str] | None:
    """The first literal `json=` body the tests POST to `path`, and where it is."""
    for file in _test_files(root):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        found = _posted_body(tree, path, _constants(tree))
        if found is not None:
            return found[0], f"{file.relative_to(root).as_posix()} line {found[1]}"
    return None


def sample_from_model(root: Path, model: str) -> tuple[Any, str] | None:
    """A body for the pydantic model named `model`, and the file that defines it."""
    classes: dict[str, tuple[ast.ClassDef, str]] = {}
    for file in python_files(root):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, (node, file.relative_to(root).as_posix()))
    if model not in classes:
        return None
    node, where = classes[model]
    return _model_body(node, {k: v[0] for k, v in classes.items()}, 0), f"{where} line {node.lineno}"


def _test_files(root: Path) -> list[Path]:
    files = sorted(root.glob("test*/**/*.py")) + sorted(root.glob("test_*.py"))
    return [f for f in files if "site-packages" not in f.parts][:200]


def _constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level `PAYLOAD = {...}` names, which tests often POST."""
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = literal(node.value)
            if isinstance(value, (dict, list)):
                found[node.targets[0].id] = value
    return found


def _posted_body(tree: ast.Module, path: str, constants: dict[str, Any]) -> tuple[Any, int] | None:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "post" or not node.args or literal(node.args[0]) != path:
            continue
        for keyword in node.keywords:
            if keyword.arg == "json":
                value = literal(keyword.value)
                if value is None and isinstance(keyword.value, ast.Name):
                    value = constants.get(keyword.value.id)
                if isinstance(value, (dict, list)):
                    return value, node.lineno
    return None


def _model_body(node: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            body[statement.target.id] = _field_value(statement, classes, depth)
    return body


def _field_value(statement: ast.AnnAssign, classes: dict[str, ast.ClassDef], depth: int) -> Any:
    value = statement.value
    if isinstance(value, ast.Call) and _name(value.func) == "Field":
        for keyword in value.keywords:
            if keyword.arg in ("examples", "example", "default"):
                found = literal(keyword.value)
                if keyword.arg == "examples" and isinstance(found, list) and found:
                    return found[0]
                if keyword.arg != "examples" and found is not None:
                    return found
        size = next((literal(k.value) for k in value.keywords if k.arg in ("min_length", "min_items")), 1)
        return _typed(statement.annotation, classes, depth, size if isinstance(size, int) else 1)
    if value is not None and literal(value) is not None:
        return literal(value)
    return _typed(statement.annotation, classes, depth, 1)


def _typed(annotation: ast.expr, classes: dict[str, ast.ClassDef], depth: int, size: int) -> Any:
    name = _name(annotation)
    if isinstance(annotation, ast.Subscript):
        inner = annotation.slice
        items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        if name in ("list", "List", "Sequence", "tuple", "Tuple", "set"):
            return [_typed(items[0], classes, depth, 1) for _ in range(max(size, 1))]
        if name in ("dict", "Dict", "Mapping"):
            return {}
        if name == "Literal":
            return literal(items[0])
        if name in ("Optional", "Union", "Annotated"):
            return _typed(items[0], classes, depth, size)
    if isinstance(annotation, ast.BinOp):  # float | None
        return _typed(annotation.left, classes, depth, size)
    if isinstance(annotation, ast.Call) and name == "conlist" and annotation.args:
        keywords = {k.arg: literal(k.value) for k in annotation.keywords}
        count = keywords.get("min_length") or keywords.get("min_items") or 1
        return [_typed(annotation.args[0], classes, depth, 1) for _ in range(int(str(count)))]
    if name in classes and depth < _MAX_DEPTH:
        return _model_body(classes[name], classes, depth + 1)
    return _PLACEHOLDERS.get(name or "")


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None
