"""How generator's modules import each other: each imports on its own, none in a cycle, the layers hold.

The graph is read with `ast` from the source, so it sees every import that runs: at module level and inside
functions (a lazy import is still a dependency), but not those under `if TYPE_CHECKING:`. `from P import N`
is an import of module P.N when that is a module, else of P. The layers are described in
docs/architecture.md.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "generator"


# The command line's shared machinery; command modules import these and nothing else of cli/.
CLI_INFRASTRUCTURE = frozenset({"generator.cli", "generator.cli.options", "generator.cli.report"})

# The bottom layer: everything may import these; they import nothing of ci-gen but each other.
FOUNDATION = frozenset({"generator.errors", "generator.defaults", "generator.paths", "generator.location"})


@cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its __init__.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the modules of the package it imports."""
    return {name: frozenset(imports(name, path)) for name, path in modules().items()}


def imports(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in _statements(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            named.update(_from_target(base, alias.name) for alias in node.names)
    return {found for found in map(_own_module, named) if found is not None and found != name}


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement, nested ones too, except those only a type checker runs."""
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found += _statements(node.orelse)
            continue
        found.append(node)
        for field in ("body", "orelse", "finalbody"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                found += _statements([child for child in children if isinstance(child, ast.stmt)])
        for handler in getattr(node, "handlers", None) or ():
            found += _statements(handler.body)
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, *([node.module] if node.module else [])])


def _from_target(base: str, name: str) -> str:
    return f"{base}.{name}" if f"{base}.{name}" in modules() else base


def _own_module(name: str) -> str | None:
    """The package module `name` is (or is in), or None for anything outside the package."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(edges):
        if root not in index:
            _visit(root, edges, index, low, stack, found)
    return found


def _visit(
    root: str,
    edges: dict[str, frozenset[str]],
    index: dict[str, int],
    low: dict[str, int],
    stack: list[str],
    found: list[list[str]],
) -> None:
    work = [(root, iter(sorted(edges[root])))]
    index[root] = low[root] = len(index)
    stack.append(root)
    while work:
        node, children = work[-1]
        child = next(children, None)
        if child is not None and child not in index:
            index[child] = low[child] = len(index)
            stack.append(child)
            work.append((child, iter(sorted(edges[child]))))
        elif child is not None:
            if child in stack:
                low[node] = min(low[node], index[child])
        else:
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = stack[stack.index(node) :]
                del stack[stack.index(node) :]
                if len(component) > 1:
                    found.append(sorted(component))


def test_the_graph_sees_lazy_relative_and_submodule_imports() -> None:
    edges = graph()
    assert "generator.deploy.driver" in edges["generator.cli.deploy"]  # inside the command function
    assert "generator.doctor.dockerfile" in edges["generator.doctor.python_checks"]  # from P import module
    assert "generator.cli.app" in edges["generator.cli"]  # inside main()
    assert all(name.startswith("generator") for targets in edges.values() for name in targets)


def test_cycles_are_found() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": frozenset({"b"}), "b": frozenset()}) == []


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_nothing_outside_the_command_line_imports_it() -> None:
    outside = {
        name: sorted(t for t in targets if t == "generator.cli" or t.startswith("generator.cli."))
        for name, targets in graph().items()
        if not name.startswith("generator.cli") and not _runs_when_imported(name)
    }
    assert {name: found for name, found in outside.items() if found} == {}


def test_commands_share_only_the_cli_infrastructure() -> None:
    commands = {name for name in modules() if name.startswith("generator.cli.")} - CLI_INFRASTRUCTURE
    borrowed = {
        name: sorted(
            t for t in graph()[name] if t.startswith("generator.cli") and t not in CLI_INFRASTRUCTURE
        )
        for name in commands - {"generator.cli.app", "generator.cli.__main__"}
    }
    assert {name: found for name, found in borrowed.items() if found} == {}


def test_only_the_command_line_uses_click() -> None:
    users = sorted(
        name
        for name, path in modules().items()
        if not name.startswith("generator.cli") and _uses_click(path.read_text(encoding="utf-8"))
    )
    assert users == []


def _uses_click(source: str) -> bool:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "click" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "click":
            return True
    return False


def test_the_foundation_imports_nothing_above_it() -> None:
    above = {name: sorted(graph()[name] - FOUNDATION) for name in FOUNDATION}
    assert {name: found for name, found in above.items() if found} == {}


def test_the_spec_package_stands_on_the_foundation_only() -> None:
    spec = {name for name in modules() if name.startswith("generator.spec")}
    above = {name: sorted(graph()[name] - spec - FOUNDATION) for name in spec}
    assert {name: found for name, found in above.items() if found} == {}


# Imports each module with no other module of the package loaded: a fork of a fresh interpreter per module.
# The parent loads the heavy third-party libraries first, so that each child pays only for ci-gen's code.
PROBE = """
import importlib, json, os, sys, traceback
for library in ("pydantic", "pydantic_core", "jinja2", "click", "jsonschema", "yaml", "packaging.version"):
    importlib.import_module(library)
assert not [m for m in sys.modules if m == "generator" or m.startswith("generator.")]
failures, running = {}, {}

def reap():
    pid, status = os.wait()
    name, reader = running.pop(pid)
    if status:
        failures[name] = os.read(reader, 1 << 16).decode(errors="replace") or f"status {status}"
    os.close(reader)

for name in sys.argv[1:]:
    if len(running) >= (os.cpu_count() or 1):
        reap()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            importlib.import_module(name)
        except BaseException:
            os.write(writer, traceback.format_exc()[-4000:].encode())
            os._exit(1)
        os._exit(0)
    os.close(writer)
    running[pid] = (name, reader)
while running:
    reap()
print()
print(json.dumps(failures))
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork (Linux, macOS)")
def test_every_module_imports_on_its_own() -> None:
    names = sorted(name for name in modules() if not _runs_when_imported(name))
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *names], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {}


def _runs_when_imported(name: str) -> bool:
    return name.rpartition(".")[2] == "__main__"
