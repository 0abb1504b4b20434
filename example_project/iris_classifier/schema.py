"""Parsing and validation of /predict request bodies into a matrix of features.

Accepted shapes (feature values are JSON numbers, finite, never booleans):
  {"features": {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}}
  {"features": [5.1, 3.5, 1.4, 0.2]}
  {"instances": [<row>, ...]}       each row in either of the two forms above
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .data import FloatMatrix


class InvalidRequest(ValueError):
    """The request body is not a valid prediction request; the message says why, for the client."""


def decode_json(data: bytes) -> Any:
    """Decode a request body as JSON, or raise InvalidRequest (never a 500, whatever the bytes are)."""
    try:
        return json.loads(data)
    # RecursionError: deeply nested arrays are valid JSON that Python's decoder cannot handle.
    except (ValueError, RecursionError) as error:
        raise InvalidRequest(f"body is not valid JSON: {error}") from None


def parse_predict_body(body: Any, feature_names: Sequence[str], max_rows: int) -> FloatMatrix:
    """Return the rows of a /predict body as an (n_rows, n_features) matrix, or raise InvalidRequest."""
    if not isinstance(body, dict):
        raise InvalidRequest('body must be a JSON object with "features" or "instances"')
    keys = set(body)
    # Each row is labelled with its JSON path, so an error tells the client exactly where to look.
    if keys == {"features"}:
        rows = {"features": body["features"]}
    elif keys == {"instances"}:
        rows = {f"instances[{i}]": row for i, row in enumerate(_instances(body["instances"], max_rows))}
    else:
        raise InvalidRequest(f'body must have exactly one key, "features" or "instances"; got {sorted(keys)}')
    return np.asarray([_row(row, feature_names, where) for where, row in rows.items()], dtype=np.float64)


def _instances(value: Any, max_rows: int) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidRequest('"instances" must be a list of rows')
    if not value:
        raise InvalidRequest('"instances" must not be empty')
    if len(value) > max_rows:
        raise InvalidRequest(f'"instances" has {len(value)} rows; at most {max_rows} are allowed per request')
    return value


def _row(row: Any, feature_names: Sequence[str], where: str) -> list[float]:
    if isinstance(row, dict):
        missing = [name for name in feature_names if name not in row]
        unknown = sorted(set(row) - set(feature_names))
        if missing or unknown:
            raise InvalidRequest(
                f"{where}: missing features {missing}, unknown features {unknown}; "
                f"expected exactly {list(feature_names)}"
            )
        values = [row[name] for name in feature_names]
    elif isinstance(row, list):
        if len(row) != len(feature_names):
            raise InvalidRequest(
                f"{where}: expected {len(feature_names)} values {list(feature_names)}, got {len(row)}"
            )
        values = row
    else:
        raise InvalidRequest(f"{where}: must be an object keyed by feature name or a list of numbers")
    return [_number(value, f"{where}: {name}") for name, value in zip(feature_names, values, strict=True)]


def _number(value: Any, where: str) -> float:
    # bool is a subclass of int in Python, and JSON true/false is never a measurement.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequest(f"{where} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise InvalidRequest(f"{where} is too large") from None
    # Python's json module accepts NaN and Infinity literals; the model cannot score them.
    if not math.isfinite(number):
        raise InvalidRequest(f"{where} must be a finite number, got {value!r}")
    return number
