"""A small evaluator for the `${{ }}` expressions ci-gen's templates use, with GitHub's semantics.

Supported: context references (`matrix.python`, `needs.build.outputs.image`, `steps.push.outputs.digest`,
`runner.temp`, `github.sha`, `secrets.X`, `env.X`), string/number/boolean/null literals, parentheses and
the operators `!`, `==`, `!=`, `&&`, `||`. Anything else (functions, `<`, `*` filters, indexes by
expression) raises ExpressionError, which the caller turns into "not supported by rehearse" at a file
and line. As on GitHub, `==` ignores case for strings and `&&`/`||` return one of their operands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op>==|!=|&&|\|\||!|\(|\)|\.)|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<other>\S))"
)
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_KEYWORDS: dict[str, Any] = {"true": True, "false": False, "null": None}
STATUS_FUNCTIONS = frozenset({"always", "success", "failure", "cancelled"})
_STATUS_CALL = re.compile(r"\b(always|success|failure|cancelled)\s*\(")

# Called with a context name ("secrets") and the key path after it; returns the value (None if absent).
Lookup = Callable[[str, tuple[str, ...]], Any]


class ExpressionError(ValueError):
    """The expression is malformed or uses something this evaluator does not support."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only trailing blanks are left
            break
        kind = match.lastgroup or "other"
        if kind == "other":
            raise ExpressionError(f"'{match.group(kind)}' is not supported by rehearse")
        found.append(_Token(kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    """Recursive descent over: or := and ('||' and)*; and := eq ('&&' eq)*; eq := not (('=='|'!=') not)?"""

    def __init__(self, tokens: list[_Token], lookup: Lookup, contexts: frozenset[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.lookup = lookup
        self.contexts = contexts

    def parse(self) -> Any:
        value = self._or()
        if self.index != len(self.tokens):
            raise ExpressionError(f"unexpected '{self.tokens[self.index].text}' is not supported by rehearse")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.index].text if self.index < len(self.tokens) else None

    def _next(self) -> _Token:
        if self.index >= len(self.tokens):
            raise ExpressionError("the expression ends too early")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._next()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._equality()
        while self._peek() == "&&":
            self._next()
            right = self._equality()
            value = right if truthy(value) else value
        return value

    def _equality(self) -> Any:
        value = self._unary()
        if self._peek() in ("==", "!="):
            negate = self._next().text == "!="
            return equal(value, self._unary()) != negate
        return value

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._next()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        token = self._next()
        if token.text == "(":
            value = self._or()
            if self._next().text != ")":
                raise ExpressionError("a '(' is not closed")
            return value
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "name":
            return self._reference(token.text)
        raise ExpressionError(f"'{token.text}' is not supported by rehearse")

    def _reference(self, name: str) -> Any:
        if name in _KEYWORDS:
            return _KEYWORDS[name]
        if self._peek() == "(" and name in STATUS_FUNCTIONS:
            return self._status(name)
        if self._peek() == "(":
            raise ExpressionError(f"the function {name}() is not supported by rehearse")
        if name not in self.contexts:
            raise ExpressionError(f"the context '{name}' is not supported by rehearse")
        keys: list[str] = []
        while self._peek() == ".":
            self._next()
            token = self._next()
            if token.kind != "name":
                raise ExpressionError(f"'{name}.{'.'.join(keys)}.{token.text}' is not supported by rehearse")
            keys.append(token.text)
        return self.lookup(name, tuple(keys))

    def _status(self, name: str) -> Any:
        """always(), success(), failure(), cancelled(): answered by the caller's `status` context (a job's
        `if:`, which knows its needs' results); elsewhere they are not supported."""
        self._next()
        if self._next().text != ")":
            raise ExpressionError(f"{name}() takes no arguments")
        value = self.lookup("status", (name,))
        if value is None:
            raise ExpressionError(f"the function {name}() is not supported by rehearse here")
        return value


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, -0, '', null are false; everything else is true."""
    return value not in (None, False, 0, "") and value == value  # NaN is false too


def equal(left: Any, right: Any) -> bool:
    """GitHub's loose equality: case-insensitive for two strings, numeric coercion otherwise."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right):
        return bool(left == right)
    return _number(left) == _number(right)


def _number(value: Any) -> float:
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip() or 0)
    except ValueError:
        return float("nan")


def to_text(value: Any) -> str:
    """How a value is written into a string, as GitHub does: null -> '', booleans lower-case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evaluate(expression: str, lookup: Lookup, contexts: frozenset[str]) -> Any:
    """Evaluate one expression (without `${{ }}`)."""
    tokens = _tokens(expression)
    if not tokens:
        raise ExpressionError("the expression is empty")
    return _Parser(tokens, lookup, contexts).parse()


def interpolate(text: str, lookup: Lookup, contexts: frozenset[str]) -> str:
    """Replace every `${{ expression }}` in `text` by its value as text."""
    return _EMBEDDED.sub(lambda match: to_text(evaluate(match.group(1), lookup, contexts)), text)


def condition(text: str, lookup: Lookup, contexts: frozenset[str]) -> bool:
    """An `if:` value: a bare expression, or one wrapped in `${{ }}` (both are allowed on GitHub)."""
    stripped = text.strip()
    whole = _EMBEDDED.fullmatch(stripped)
    return truthy(evaluate(whole.group(1) if whole else stripped, lookup, contexts))


def uses_status(text: str) -> bool:
    """Whether an `if:` calls a status function (then GitHub adds no implicit success())."""
    return bool(_STATUS_CALL.search(text))


def lookup_in(data: Mapping[str, Any]) -> Lookup:
    """A Lookup over nested dicts: {'github': {...}, 'matrix': {...}}; absent keys are null."""

    def lookup(name: str, keys: tuple[str, ...]) -> Any:
        value: Any = data.get(name)
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    return lookup
