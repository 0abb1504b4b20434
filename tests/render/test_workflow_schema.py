"""The compiled workflow schema: up to date with the shipped schema, and of one mind with jsonschema."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from generator.render import verify as verify_module
from generator.render import workflow_schema
from generator.render.schema_compiler import OUTPUT, SCHEMA, SchemaCompileError, compile_schema, main
from generator.render.verify import verify
from generator.resources import data_file, load_json
from generator.spec.source import parse_yaml, walk
from tests.conftest import GOLDEN

REPO = Path(__file__).resolve().parents[2]
JSONSCHEMA = Draft7Validator(load_json(SCHEMA))
VALID_FILES = sorted(
    [
        *GOLDEN.glob("*/expected/.github/workflows/*.yml"),
        *(REPO / "example_project" / ".github" / "workflows").glob("*.yml"),
    ]
)
# Values a mutation puts in place of a node: every JSON type, the edge cases of `type` and `enum`.
REPLACEMENTS: list[Any] = [None, True, False, 0, 1, 1.0, 1.5, -1, "", "x", [], ["x"], [1], {}, {"x": 1}]


def load(path: Path) -> Any:
    return parse_yaml(path.read_text(), str(path)).data


def jsonschema_valid(document: Any) -> bool:
    return not any(True for _ in JSONSCHEMA.iter_errors(document))


def test_the_compiled_module_is_up_to_date() -> None:
    """Fails when the schema changed without `make schemas` (or the compiler changed without it)."""
    assert OUTPUT.read_text(encoding="utf-8") == compile_schema(data_file(SCHEMA).read_bytes()), (
        "generator/render/workflow_schema.py is stale: run `make schemas`"
    )
    assert main(["--check"]) == 0


def test_compiling_is_deterministic() -> None:
    schema = data_file(SCHEMA).read_bytes()
    assert compile_schema(schema) == compile_schema(schema)


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: f"{p.parts[-5]}/{p.name}")
def test_every_golden_workflow_is_valid_for_both(path: Path) -> None:
    document = load(path)
    assert jsonschema_valid(document)
    assert workflow_schema.is_valid(document)


def mutations(document: Any, rng: random.Random, count: int) -> Iterator[Any]:
    """`count` copies of `document`, each with one node replaced, removed, emptied or extended."""
    paths = [path for path, _ in walk(document) if path]
    for _ in range(count):
        path = rng.choice(paths)
        mutated = copy.deepcopy(document)
        parent = mutated
        for part in path[:-1]:
            parent = parent[part]
        yield _mutate(mutated, parent, path[-1], rng)


def _mutate(document: Any, parent: Any, key: Any, rng: random.Random) -> Any:
    action = rng.choice(["replace", "replace", "remove", "extend"])
    value = parent[key]
    if action == "remove":
        del parent[key]
    elif action == "extend" and isinstance(value, dict):
        added = rng.choice(["unknown-key", "name", "if", "with", "run", "uses", "x"])
        value[added] = rng.choice(REPLACEMENTS)
    elif action == "extend" and isinstance(value, list):
        value.append(copy.deepcopy(rng.choice([*value, *REPLACEMENTS]) if value else 1))
    else:
        parent[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return document


@pytest.mark.parametrize("path", VALID_FILES[::3], ids=lambda p: f"{p.parts[-5]}/{p.name}")
def test_mutated_workflows_get_the_same_verdict(path: Path) -> None:
    rng = random.Random(path.name)  # the same documents on every run
    verdicts = [
        (jsonschema_valid(document), workflow_schema.is_valid(document), document)
        for document in mutations(load(path), rng, 120)
    ]
    disagreements = [document for expected, compiled, document in verdicts if expected != compiled]
    assert disagreements == []
    invalid = sum(not expected for expected, _, _ in verdicts)
    assert 20 <= invalid <= 110, "the mutations must produce both valid and invalid documents"


STEP = {"run": "make"}
JOB = {"runs-on": "ubuntu-latest", "steps": [STEP]}


def workflow(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"on": "push", "jobs": {"build": copy.deepcopy(JOB)}}
    document.update(changes)
    return document


def job(**changes: Any) -> dict[str, Any]:
    return workflow(jobs={"build": {**JOB, **changes}})


def step(**changes: Any) -> dict[str, Any]:
    return job(steps=[{**STEP, **changes}])


# Hand-made documents for each keyword the schema uses, at the edges of jsonschema's semantics.
CASES = {
    "valid": workflow(),
    "required (jobs)": {"on": "push"},
    "additionalProperties false": workflow(unknown=1),
    "type: object": [],
    "enum of strings: an integer": workflow(on=1),
    "enum of strings: a list of events": workflow(on=["push", "pull_request"]),
    "enum of strings: unknown event": workflow(on=["push", "pusj"]),
    "patternProperties: job id": workflow(jobs={"1bad id": JOB}),
    "minProperties: no jobs": workflow(jobs={}),
    "oneOf: a job with runs-on and uses": job(uses="o/r/.github/workflows/w.yml@v1"),
    "oneOf: a step with run and uses": step(uses="actions/checkout@v4"),
    "dependencies: working-directory without run": job(steps=[{"uses": "a/b@v1", "working-directory": "x"}]),
    "dependencies: working-directory with run": step(**{"working-directory": "x"}),
    "minItems: no steps": job(steps=[]),
    "integer: timeout 1.0": job(**{"timeout-minutes": 1.0}),
    "integer: timeout 1.5": job(**{"timeout-minutes": 1.5}),
    "number or expression: timeout as string": job(**{"timeout-minutes": "${{ inputs.t }}"}),
    "boolean vs integer: continue-on-error 1": job(**{"continue-on-error": 1}),
    "boolean: continue-on-error true": job(**{"continue-on-error": True}),
    "pattern: cron": workflow(on={"schedule": [{"cron": 5}]}),
    "permissions: enum": workflow(permissions={"contents": "writ"}),
    "permissions: read-all": workflow(permissions="read-all"),
    "matrix: include": job(strategy={"matrix": {"include": [{"a": 1}]}}),
    "matrix: empty": job(strategy={"matrix": {}}),
    "concurrency: without group": job(concurrency={"cancel-in-progress": True}),
    "env: a number": job(env={"A": 1}),
    "env: a mapping": job(env={"A": {"b": 1}}),
    "shell: unknown": step(shell="fish"),
    "container: image": job(container={"image": "python:3.11"}),
    "needs: list": job(needs=["a", "b"]),
    "needs: empty list": job(needs=[]),
    "workflow_dispatch inputs": workflow(on={"workflow_dispatch": {"inputs": {"x": {"type": "choice"}}}}),
    "workflow_call secrets": workflow(on={"workflow_call": {"secrets": {"s": {"required": "yes"}}}}),
}


@pytest.mark.parametrize("name", CASES)
def test_hand_made_documents_get_the_same_verdict(name: str) -> None:
    document = CASES[name]
    assert workflow_schema.is_valid(document) == jsonschema_valid(document)


def test_hand_made_documents_cover_both_verdicts() -> None:
    verdicts = [jsonschema_valid(document) for document in CASES.values()]
    assert 8 <= sum(verdicts) <= len(verdicts) - 15


def test_errors_are_still_worded_by_jsonschema() -> None:
    text = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps: []\n"
    with pytest.raises(Exception, match=r"GitHub workflow schema: \[\] should be non-empty"):
        verify({".github/workflows/x.yml": text})


def test_a_stale_compiled_module_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the schema file differs from the one compiled, jsonschema alone decides."""
    monkeypatch.setattr(workflow_schema, "SCHEMA_SHA256", "0" * 64)
    verify_module._compiled.cache_clear()
    try:
        assert verify_module._compiled() is None
        verify({".github/workflows/x.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: a}]\n"})
        with pytest.raises(Exception, match="should be non-empty"):
            verify({".github/workflows/x.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n"})
    finally:
        verify_module._compiled.cache_clear()


def test_a_document_the_compiled_code_cannot_judge_goes_to_jsonschema() -> None:
    document = workflow(jobs={1: JOB})  # a key that is not a string: both raise, as before
    with pytest.raises(TypeError):
        workflow_schema.is_valid(document)
    assert not verify_module._compiled_valid(document)


@pytest.mark.parametrize(
    "schema",
    [b'{"maxItems": 1}', b'{"$ref": "other.json#/x"}', b'{"type": "decimal"}', b"[]"],
    ids=["keyword", "remote-ref", "type", "not-a-schema"],
)
def test_what_the_compiler_does_not_implement_fails_the_compile(schema: bytes) -> None:
    with pytest.raises(SchemaCompileError):
        compile_schema(schema)
