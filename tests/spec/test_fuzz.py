"""Fuzz the spec loader: whatever the text, `load_spec_text` returns a Spec or raises SpecError whose every
problem points into the document. Nothing else may escape, and `generate` never half-writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import SpecError
from generator.spec.load import load_spec_text
from generator.spec.model import Spec
from generator.spec.source import walk
from tests.conftest import golden_cases
from tests.helpers import GOLDEN, WORKFLOWS, copy_project, run, snapshot

NAME = "services/ci-gen.yaml"
# Every line break YAML knows; libyaml counts lines by all of them.
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
SPEC_KEYS = [
    "version", "project", "python", "version", "also-test", "dependencies", "lock-tool", "runtime", "dev",
    "input", "output", "extras", "test", "command", "model", "train", "evaluate", "metrics", "artifacts",
    "gates", "container", "dockerfile", "port", "build-args", "deploy", "stages", "name", "strategy",
    "canary", "steps", "shadow", "basic", "triggers", "branches", "templates", "action",
]  # fmt: skip

FAST = settings(max_examples=200, deadline=None, database=None)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        ["3.10", "3.11", "canary", "basic", ">= 0.9", "5m", "main", "Dockerfile", "requirements.in"]
    ),
)
keys = st.one_of(st.sampled_from(SPEC_KEYS), st.text(max_size=12))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=6)),
    max_leaves=30,
)
yaml_texts = st.builds(
    lambda data, flow, unicode: yaml.safe_dump(data, default_flow_style=flow, allow_unicode=unicode),
    documents,
    st.sampled_from([False, True, None]),
    st.booleans(),
)
yaml_alphabet = st.sampled_from(list("ab1.:- \n\t[]{},#&*!|>'\"?%@`\\\r\x85\u2028\x00\ufeff") + SPEC_KEYS)


def line_count(text: str) -> int:
    return len(LINE_BREAK.findall(text)) + 1


def check_load(text: str) -> Spec | None:
    """The property: a Spec, or SpecError with every problem located inside this document."""
    try:
        spec, _ = load_spec_text(text, NAME)
    except SpecError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == NAME
            assert problem.message
            assert problem.line is None or 1 <= problem.line <= line_count(text), (problem, text)
            assert problem.column is None or problem.column >= 1
        return None
    assert isinstance(spec, Spec)
    return spec


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check_load(text)


@FAST
@given(st.lists(yaml_alphabet, max_size=60).map("".join))
def test_yaml_punctuation_soup(text: str) -> None:
    check_load(text)


@FAST
@given(yaml_texts)
def test_arbitrary_yaml(text: str) -> None:
    check_load(text)


def golden_data(case: Path) -> Any:
    return yaml.safe_load((case / "ci-gen.yaml").read_text())


def replace_at(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    child = data[path[0]] if isinstance(data, list) or path[0] in data else {}  # missing: a new mapping
    copy[path[0]] = replace_at(child, path[1:], value)
    return copy


def drop_at(data: Any, path: tuple[Any, ...]) -> Any:
    parent = path[:-1]
    node = data
    for part in parent:
        node = node[part]
    copy = dict(node) if isinstance(node, dict) else list(node)
    del copy[path[-1]]
    return replace_at(data, parent, copy)


def mutate(draw: st.DrawFn, data: Any) -> Any:
    paths = [path for path, _ in walk(data)]
    mappings = [p for p, value in walk(data) if isinstance(value, dict)]
    kind = draw(st.sampled_from(["drop", "replace", "insert", "strings"]))
    if kind == "drop" and len(paths) > 1:
        return drop_at(data, draw(st.sampled_from(paths[1:])))
    if kind == "insert" and mappings:
        where = draw(st.sampled_from(mappings))
        node = dict(walk_to(data, where))
        node[draw(keys)] = draw(documents)
        return replace_at(data, where, node)
    if kind == "strings":
        for path, value in list(walk(data)):
            if isinstance(value, str):
                data = replace_at(data, path, draw(st.text(max_size=20)))
        return data
    return replace_at(data, draw(st.sampled_from(paths)), draw(documents))


def walk_to(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def mutated_specs(draw: st.DrawFn, case: Path) -> str:
    data = golden_data(case)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        data = mutate(draw, data)
    return yaml.safe_dump(data, default_flow_style=draw(st.sampled_from([False, None])), allow_unicode=True)


@pytest.mark.parametrize("case", golden_cases(), ids=lambda p: p.name)
def test_mutated_golden_specs(case: Path) -> None:
    assert check_load((case / "ci-gen.yaml").read_text()) is not None  # the starting point is valid

    @settings(max_examples=80, deadline=None, database=None)
    @given(mutated_specs(case))
    def mutated(text: str) -> None:
        check_load(text)

    mutated()


FREE_TEXT = [
    ("test", "command"),
    ("model", "train"),
    ("model", "evaluate"),
    ("container", "build-args", "MODEL_DIR"),
]


@st.composite
def edited_specs(draw: st.DrawFn) -> str:
    """Three-stages with free-text fields rewritten: mostly still valid, so generate really renders."""
    data = golden_data(GOLDEN / "three-stages")
    for path in draw(st.lists(st.sampled_from(FREE_TEXT), min_size=1, max_size=3)):
        data = replace_at(data, path, draw(st.text(min_size=1, max_size=40)))
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()))


def test_generate_is_all_or_nothing(tmp_path: Path) -> None:
    project = copy_project(GOLDEN / "three-stages", tmp_path / "project")
    assert run(["-C", str(project), "generate"]).exit_code == 0
    outcomes: set[int] = set()

    @settings(max_examples=40, deadline=None, database=None)
    @given(st.one_of(edited_specs(), mutated_specs(GOLDEN / "three-stages"), yaml_texts))
    def generate(text: str) -> None:
        (project / "ci-gen.yaml").write_text(text, encoding="utf-8")
        before = snapshot(project / WORKFLOWS)
        result = run(["-C", str(project), "generate"])
        assert result.exit_code in (0, 2), result.output
        outcomes.add(result.exit_code)
        if result.exit_code == 2:
            assert snapshot(project / WORKFLOWS) == before
            assert "error: " in result.stderr
        else:
            assert run(["-C", str(project), "check"]).exit_code == 0

    generate()
    assert outcomes == {0, 2}  # both paths were exercised
