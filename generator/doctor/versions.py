"""Just enough of PEP 440 to compare release versions and check `>=3.0,<4`-style specifiers.

Pre-releases, local versions and epochs are rare in pins and in requires-python; a version this module
cannot read makes `satisfies` return None ("cannot tell"), never a wrong answer.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)\s*$")
_CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")
_OPERATORS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


def release(version: str) -> tuple[int, ...] | None:
    match = _RELEASE.match(version)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _clause(version: tuple[int, ...], op: str, target: str) -> bool | None:
    if op in ("==", "!=", "===") and target.endswith(".*"):
        prefix = release(target[:-2])
        if prefix is None:
            return None
        matches = version[: len(prefix)] == prefix
        return matches if op != "!=" else not matches
    wanted = release(target)
    if wanted is None:
        return None
    if op == "~=":
        upper = wanted[:-1]
        return _padded(version, wanted)[0] >= _padded(version, wanted)[1] and version[: len(upper)] == upper
    left, right = _padded(version, wanted)
    if op in ("==", "==="):
        return left == right
    if op == "!=":
        return left != right
    return _OPERATORS[op](left, right)


def satisfies(version: str, specifier: str) -> bool | None:
    """Whether `version` meets every clause of `specifier`; None when either cannot be read."""
    parsed = release(version)
    if parsed is None:
        return None
    verdict = True
    for text in filter(None, (part.strip() for part in specifier.split(","))):
        match = _CLAUSE.match(text)
        if match is None:
            return None
        result = _clause(parsed, match.group(1), match.group(2))
        if result is None:
            return None
        verdict = verdict and result
    return verdict


def same_minor(a: str, b: str) -> bool:
    """3.11 and 3.11.7 name the same Python; 3.11 and 3.12 do not."""
    return a.split(".")[:2] == b.split(".")[:2]
