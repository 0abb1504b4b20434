"""An app's HTTP routes, read with `ast` (never imported): Flask and FastAPI decorators and add_url_rule.

From them `init` takes the health and predict paths, and, for a FastAPI predict route, the pydantic model
its body is validated against (to derive a sample request).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path

_HTTP = {"get", "post", "put", "patch", "delete", "head", "options"}
_HEALTH_WORDS = ("health", "healthz", "healthcheck", "ready", "readyz", "readiness", "live", "livez", "ping")
_PREDICT_WORDS = ("predict", "prediction", "invocations", "infer", "inference", "score", "classify")
_SKIPPED = {"node_modules", "site-packages", "__pycache__", "venv", "env", "build", "dist", "tests", "test"}
_MAX_FILES = 300


@dataclass(frozen=True)
class Route:
    path: str
    methods: tuple[str, ...]
    file: str
    line: int
    body_model: str | None = None  # FastAPI: the annotation of the handler's first parameter


def find_routes(root: Path) -> list[Route]:
    """Every literal route in the project's Python files (tests and virtualenvs left out)."""
    routes: list[Route] = []
    for path in python_files(root):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError):
            continue
        routes += _routes_in(tree, path.relative_to(root).as_posix())
    return routes


def health_route(routes: list[Route]) -> Route | None:
    """A GET route named like a health check; else GET / (a service with only `GET /`)."""
    gets = [r for r in routes if "GET" in r.methods and "{" not in r.path and "<" not in r.path]
    for word in _HEALTH_WORDS:
        for route in gets:
            if route.path.rstrip("/").rsplit("/", 1)[-1].lower() == word:
                return route
    return next((r for r in gets if r.path == "/"), None)


def predict_route(routes: list[Route]) -> Route | None:
    """A POST route named like a prediction; else the only POST route."""
    posts = [r for r in routes if "POST" in r.methods]
    for word in _PREDICT_WORDS:
        for route in posts:
            if word in route.path.lower():
                return route
    return posts[0] if len(posts) == 1 else None


def python_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, names, files in os.walk(root):
        names[:] = sorted(n for n in names if not n.startswith(".") and n not in _SKIPPED)
        found += [Path(folder) / f for f in sorted(files) if f.endswith(".py") and not f.startswith("test_")]
        if len(found) > _MAX_FILES:
            break
    return found[:_MAX_FILES]


def _routes_in(tree: ast.Module, file: str) -> list[Route]:
    prefixes = _prefixes(tree)
    routes: list[Route] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                route = _decorated(decorator, node, file, prefixes)
                routes += [route] if route else []
        elif isinstance(node, ast.Call) and _attribute(node.func) == "add_url_rule":
            route = _url_rule(node, file, prefixes)
            routes += [route] if route else []
    return routes


def _prefixes(tree: ast.Module) -> dict[str, str]:
    """`router = APIRouter(prefix="/api")`, `bp = Blueprint("x", __name__, url_prefix="/v1")`."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            for keyword in node.value.keywords:
                if keyword.arg in ("prefix", "url_prefix") and isinstance(target, ast.Name):
                    value = literal(keyword.value)
                    found[target.id] = value if isinstance(value, str) else ""
    return found


def _decorated(
    decorator: ast.expr, function: ast.FunctionDef | ast.AsyncFunctionDef, file: str, prefixes: dict[str, str]
) -> Route | None:
    if not isinstance(decorator, ast.Call) or not decorator.args:
        return None
    name = _attribute(decorator.func)
    path = literal(decorator.args[0])
    if name is None or not isinstance(path, str) or not path.startswith("/"):
        return None
    if name in _HTTP:
        methods: tuple[str, ...] = (name.upper(),)
    elif name == "route":
        methods = _methods(decorator)
    else:
        return None
    full = _prefix(decorator.func, prefixes) + path
    return Route(full, methods, file, decorator.lineno, _body_model(function) if "POST" in methods else None)


def _url_rule(call: ast.Call, file: str, prefixes: dict[str, str]) -> Route | None:
    path = literal(call.args[0]) if call.args else None
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    return Route(_prefix(call.func, prefixes) + path, _methods(call), file, call.lineno)


def _methods(call: ast.Call) -> tuple[str, ...]:
    for keyword in call.keywords:
        if keyword.arg == "methods":
            value = literal(keyword.value)
            if isinstance(value, (list, tuple)):
                return tuple(str(m).upper() for m in value)
    return ("GET",)


def _body_model(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for argument in function.args.args:
        annotation = argument.annotation
        if isinstance(annotation, ast.Name) and annotation.id[:1].isupper():
            return annotation.id
    return None


def _attribute(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else None


def _prefix(func: ast.expr, prefixes: dict[str, str]) -> str:
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return prefixes.get(func.value.id, "").rstrip("/")
    return ""


def literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
