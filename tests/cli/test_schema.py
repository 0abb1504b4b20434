"""`ci-gen schema`: a JSON Schema that accepts every spec we ship and rejects what the loader rejects."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError

from tests.conftest import golden_cases
from tests.helpers import EXAMPLE, run


@cache
def schema() -> dict[str, Any]:
    result = run(["schema"])
    assert result.exit_code == 0
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def errors(spec: Any) -> list[str]:
    """Every message, including those inside anyOf branches (`model` is a ModelSpec or null)."""
    validator = Draft202012Validator(schema())
    return [message for error in validator.iter_errors(spec) for message in _messages(error)]


def _messages(error: ValidationError) -> list[str]:
    return [error.message, *(message for child in error.context or [] for message in _messages(child))]


def test_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["type"] == "object"
    assert {"version", "project", "python"} <= set(schema()["required"])


@pytest.mark.parametrize(
    "spec", [EXAMPLE / "ci-gen.yaml", *(c / "ci-gen.yaml" for c in golden_cases())], ids=str
)
def test_shipped_specs_validate(spec: Path) -> None:
    assert errors(yaml.safe_load(spec.read_text())) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deploy": {"stages": [{"name": "prod", "strategy": "canry"}]}}, "'canry' is not one of"),
        ({"dependecies": {}}, "Additional properties are not allowed ('dependecies' was unexpected)"),
        ({"python": "3.x"}, "'3.x' does not match"),
        ({"dependencies": {"runtime": 7}}, "7 is not of type 'string'"),
        ({"version": 2}, "1 was expected"),
        ({"model": {"train": "t", "metrics": "m.json", "artifacts": []}}, "should be non-empty"),
    ],
    ids=["strategy", "unknown-key", "python", "runtime", "version", "artifacts"],
)
def test_schema_rejects_invalid_specs(change: dict[str, Any], message: str) -> None:
    spec = {"version": 1, "project": "iris", "python": "3.11", "container": {}, **change}
    found = errors(spec)
    assert found, f"the schema accepted {spec}"
    assert any(message in error for error in found), found
