"""Read YAML into plain data while remembering where every value and key came from.

PyYAML's composer gives us nodes with marks; we build the data ourselves so that each path in the
result can be traced back to a line and column for error messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.errors import Problem, SpecError

try:  # The C loader is several times faster; fall back when libyaml is missing.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

PathKey = str | int
Path = tuple[PathKey, ...]
Position = tuple[int, int]  # 1-based line and column

# Limits that keep a hostile document (alias bombs, deep nesting) from eating the machine.
MAX_NODES = 50_000
MAX_DEPTH = 64
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # every break YAML counts lines by


@dataclass
class Document:
    """Plain data from a YAML file plus the position of every value and mapping key in it."""

    file: str
    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)  # scalars as written, for hints

    def locate(self, path: Path, *, key: bool = False) -> Position | None:
        """Position of `path`, or of its nearest ancestor that exists."""
        table = self.keys if key else self.values
        if path in table:
            return table[path]
        for end in range(len(path) - 1, -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return None

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        position = self.locate(path, key=key)
        line, column = position if position else (None, None)
        return Problem(self.file, line, column, format_path(path), message)


def format_path(path: Path) -> str:
    """`('deploy', 'stages', 1, 'strategy')` -> `deploy.stages[1].strategy`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML document; raise SpecError with positions on anything malformed."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_marked_problem(exc, file, text)]) from None
    except yaml.reader.ReaderError as exc:
        raise SpecError([_reader_problem(exc, file, text)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every other error carries a mark
        raise SpecError([Problem(file, None, None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    document = Document(file=file, data=None)
    if node is None:
        return document
    builder = _Builder(document, loader)
    document.data = builder.build(node, (), 0)
    if builder.problems:
        raise SpecError(builder.problems)
    return document


def _marked_problem(exc: yaml.MarkedYAMLError, file: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = f"not valid YAML: {exc.problem or 'cannot parse this'}"
    if exc.context and exc.context_mark is not None and mark and exc.context_mark.line != mark.line:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:  # pragma: no cover - PyYAML always sets a mark for these
        return Problem(file, None, None, "", message)
    lines = _LINE_BREAK.split(text)
    line, column = mark.line, mark.column
    if line >= len(lines):  # the end of the stream, past the last line: point at the end of that line
        line, column = len(lines) - 1, len(lines[-1])
    if lines[line][column : column + 1] == "\t":
        message = "not valid YAML: a tab; YAML indents with spaces only"
    return Problem(file, line + 1, column + 1, "", message)


def _reader_problem(exc: yaml.reader.ReaderError, file: str, text: str) -> Problem:
    # libyaml reports a byte offset into the UTF-8 text; count characters and lines up to it.
    before = text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    message = f"not valid YAML: character U+{code:04X} is not allowed; remove it"
    return Problem(file, line, column, "", message)


class _Builder:
    def __init__(self, document: Document, loader: yaml.SafeLoader) -> None:
        self.document = document
        self.loader = loader
        self.problems: list[Problem] = []
        self.count = 0

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            self._fail(node, path, "document too large or too deeply nested (aliases expand too far?)")
        self.document.values.setdefault(path, _position(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        self.document.texts[path] = str(node.value)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in result:
                first = self.document.keys[child]
                self.problems.append(
                    Problem(
                        self.document.file,
                        *_position(key_node),
                        _display(child),
                        f"duplicate key '{key}' (first defined at line {first[0]}); remove one of them",
                    )
                )
                continue
            self.document.keys[child] = _position(key_node)
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _key(self, node: yaml.Node, path: Path) -> str | None:
        value = self._scalar(node, path) if isinstance(node, yaml.ScalarNode) else node
        if isinstance(value, bool) and node.value in {"on", "On", "ON", "off", "Off", "OFF", "yes", "no"}:
            return str(node.value)  # YAML 1.1 would turn the key `on` into True; keep the text
        if not isinstance(value, str):
            line, column = _position(node)
            self.problems.append(
                Problem(self.document.file, line, column, _display(path), "mapping keys must be strings")
            )
            return None
        return value

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            line, column = _position(node)
            message = exc.problem or "cannot read this value"
            self.problems.append(Problem(self.document.file, line, column, _display(path), message))
            return None

    def _fail(self, node: yaml.Node, path: Path, message: str) -> None:
        line, column = _position(node)
        raise SpecError([Problem(self.document.file, line, column, _display(path), message)])


def _position(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _display(path: Path) -> str:
    return format_path(path)


def walk(data: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) pair in plain data, parents before children."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*path, index))
