"""Constrained scalar types of the spec: each validates one kind of value and says how to fix it."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

_PYTHON_VERSION = re.compile(r"^3\.(\d{1,2})$")
_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_GATE = re.compile(r"^(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$")
_SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?$")
_METRIC = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/*-]{1,200}$")
_BRANCH_NAME = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
_IMAGE = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$")
_ACTION_REF = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+(/[A-Za-z0-9._/-]+)?@[0-9a-f]{40}$")
_URL_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z0-9 _.-]{1,255}$")
_RUNNER_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

PYTHON_MINORS = range(8, 15)


class UnquotedVersion(ValueError):
    """A version YAML read as a number; the loader words the fix from the text as written."""


def _python_version(value: Any) -> Any:
    if isinstance(value, float):
        # YAML reads 3.10 as the float 3.1: the classic trap. The number cannot tell us what was typed.
        raise UnquotedVersion(f"{value!r} is a number; quote the version")
    if isinstance(value, str):
        match = _PYTHON_VERSION.fullmatch(value)
        if not match:
            raise ValueError(f"'{value}' is not a Python version like \"3.11\"")
        if int(match.group(1)) not in PYTHON_MINORS:
            raise ValueError(f"Python {value} is not supported; use 3.8 to 3.14")
    return value


def _duration(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m or 1h")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return value
    if isinstance(value, str):
        match = _DURATION.fullmatch(value.strip())
        if match:
            return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)]
    raise ValueError(f"{value!r} is not a duration such as 30s, 5m or 1h (or a number of seconds)")


def _gate(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f'{value!r} is not a comparison; write it as a quoted string such as ">= 0.9"')
    if not _GATE.fullmatch(value.strip()):
        raise ValueError(f"'{value}' is not a comparison such as \">= 0.9\" (operators: >=, <=, >, <, ==)")
    return " ".join(_GATE.fullmatch(value.strip()).groups())  # type: ignore[union-attr]


def _pattern(regex: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"'{value}' is not {what}")
        return value

    return AfterValidator(check)


def _relative_path(value: str) -> str:
    parts = value.replace("\\", "/").split("/")
    if not value or value.startswith(("/", "~")) or ".." in parts or ":" in parts[0]:
        raise ValueError(f"'{value}' must be a path inside the repository, relative to ci-gen.yaml")
    if not value.isprintable():  # paths reach shell lines in block scalars, where U+2028 would break a line
        raise ValueError("a path cannot contain control characters or line separators")
    return "/".join(p for p in parts if p not in ("", ".")) or "."


def _state_folder(value: str) -> str:
    """A folder inside the repository (relative), or an absolute one outside any checkout."""
    if not value.startswith("/"):
        return _relative_path(value)
    parts = value.split("/")[1:]
    if ".." in parts or "." in parts or "" in parts[:-1] or "\\" in value or not value.isprintable():
        raise ValueError(f"'{value}' must be a plain absolute folder such as /srv/ci-gen (no . or .. parts)")
    if not parts[0]:
        raise ValueError("the state folder cannot be / itself; name a folder such as /srv/ci-gen")
    return value.rstrip("/")


def _no_expression(value: str) -> str:
    if "${{" in value:
        raise ValueError(
            "'${{' starts a GitHub expression, which ci-gen never passes through from the spec; "
            "read the value from an environment variable instead"
        )
    if "\x00" in value:
        raise ValueError("text cannot contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_expression)]
Command = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_no_expression)]
PythonVersion = Annotated[
    str,
    BeforeValidator(_python_version),
    WithJsonSchema({"type": "string", "pattern": _PYTHON_VERSION.pattern, "examples": ["3.11"]}),
]
Duration = Annotated[
    int,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": _DURATION.pattern}, {"type": "integer", "minimum": 0}],
            "description": "seconds, or a number with s, m or h",
            "examples": ["30s", "5m"],
        }
    ),
]
Gate = Annotated[
    str,
    BeforeValidator(_gate),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\s*(>=|<=|==|>|<)\s*-?[0-9.eE+-]+\s*$", "examples": [">= 0.9"]}
    ),
]
RelPath = Annotated[
    str, Field(min_length=1, max_length=500), AfterValidator(_relative_path), AfterValidator(_no_expression)
]
# Folders whose path is written into configuration files (nginx's): a character set with no syntax in it.
_SAFE_PATH = r"^[A-Za-z0-9._/-]+$"
StateFolder = Annotated[
    str, Field(min_length=1, max_length=500, pattern=_SAFE_PATH), AfterValidator(_state_folder)
]
RunnerLabel = Annotated[str, _pattern(_RUNNER_LABEL, "a runner label (letters, digits, . _ -)")]
StateDir = Annotated[
    str, Field(min_length=1, max_length=500, pattern=_SAFE_PATH), AfterValidator(_relative_path)
]
Slug = Annotated[str, _pattern(_SLUG, "lower-case letters, digits and dashes (like 'prod-eu')")]
MetricName = Annotated[str, _pattern(_METRIC, "a metric name (letters, digits, _ . -)")]
Branch = Annotated[str, _pattern(_BRANCH, "a branch name or pattern (letters, digits, . _ / - *)")]
BranchName = Annotated[str, _pattern(_BRANCH_NAME, "a branch name (letters, digits, . _ / -)")]
BuildArgValue = Annotated[
    str, _pattern(re.compile(r"^[^\n\r]*$"), "a one-line value"), AfterValidator(_no_expression)
]
ImageName = Annotated[str, _pattern(_IMAGE, "an image name without tag or digest, such as ghcr.io/acme/iris")]
ActionRef = Annotated[
    str, _pattern(_ACTION_REF, "an action reference pinned to a commit: owner/repo@<40-hex sha>")
]
UrlPath = Annotated[str, _pattern(_URL_PATH, "a URL path starting with /")]
EnvironmentName = Annotated[str, _pattern(_ENV_NAME, "a GitHub environment name")]
Port = Annotated[int, Field(ge=1, le=65535)]
Percent = Annotated[int, Field(ge=1, le=100)]
