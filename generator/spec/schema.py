"""The JSON Schema of ci-gen.yaml, derived from the pydantic models so the two cannot disagree."""

from __future__ import annotations

from typing import Any

from generator.spec.model import Spec

SCHEMA_ID = "https://ci-gen.dev/schema/ci-gen-v1.json"


def spec_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
