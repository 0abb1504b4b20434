"""Emit spec values into YAML so that no value can change the structure of a workflow.

Every string becomes a double-quoted YAML scalar in which everything outside printable ASCII is escaped,
and `${{` is rewritten so GitHub cannot evaluate it as an expression.
"""

from __future__ import annotations

from typing import Any

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
# GitHub has no escape for `${{`; an expression that yields the literal text is the documented way.
_EXPRESSION_OPEN = "${{"
_LITERAL_OPEN = "${{ '${{' }}"


def yaml_quote(value: Any) -> str:
    """Render `value` as a YAML scalar (or flow sequence) that parses back to exactly `value`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_quote(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + "".join(_escape(c) for c in value).replace(_EXPRESSION_OPEN, _LITERAL_OPEN) + '"'
    raise TypeError(f"cannot quote {type(value).__name__} for YAML")


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
