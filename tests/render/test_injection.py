"""No spec value can change the structure of a workflow or become a GitHub expression.

Hostile text goes into every field of the richest golden spec that takes text. Either the loader rejects
it (SpecError), or the rendering verifies, parses into exactly the baseline's shape, holds no `${{ }}` the
baseline lacks (in the text or in any parsed value), and carries the value through literally where it lands.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import SpecError
from generator.plan import resolve_plan
from generator.render.render import render
from generator.render.templates import TemplateSet
from generator.render.verify import verify
from generator.spec.load import load_spec_text
from generator.spec.model import Spec
from tests.helpers import GOLDEN

CASE = GOLDEN / "three-stages"
PIPELINE = ".github/workflows/ci-gen.yml"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
FRAGMENTS = [
    "\n", "\r\n", "\r", ": ", "- ", "#", " #", "'", '"', "\\", "\\n", "${{ secrets.X }}",
    "{{ plan.project }}", "{% raw %}", "{% endraw %}", "{#", "\u2028", "\u2029", "\x85", "\x00", "\x7f",
    "\ufeff", "&a ", "*a",
    "!!python/object:os.system", "|", ">", "---", "...", "%YAML 1.1", "@", "`id`", "$(id)", "\t",
    "x" * 3000, "é", "\U0001f600", "$", "{{", "}}", "${", "{", " ", "[", "]", ",", "?", "'$(rm -rf ~)'", "~",
    "/", "..", "0", "a",
]  # fmt: skip
hostile = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), min_size=1, max_size=6).map(
    "".join
)
# Valid for a free-text field, yet full of YAML, Jinja, shell and GitHub syntax.
TRICKY = "a: b - c #d 'e' \"f\" \\g {{ h }} {% i %} &j *k !!l |m >n `o` $(p) $q{r} é \U0001f600"

Workflow = dict[str, Any]


def step(workflow: Workflow, job: str, name: str) -> dict[str, Any]:
    return next(s for s in workflow["jobs"][job]["steps"] if s.get("name") == name)


def lock_step(w: Workflow, s: Spec) -> dict[str, Any]:
    return step(w, "lock", f"Recompile {s.dependencies.runtime.lock} from {s.dependencies.runtime.input}")


def compile_line(w: Workflow, s: Spec) -> str:
    script: str = lock_step(w, s)["run"]
    return next(line for line in script.splitlines() if line.startswith("pip-compile "))


def build(w: Workflow) -> dict[str, Any]:
    return step(w, "build", "Build the image")


def stage_job(w: Workflow, s: Spec) -> dict[str, Any]:
    assert s.deploy is not None
    job: dict[str, Any] = w["jobs"][f"deploy-{s.deploy.stages[0].name}"]
    return job


@cache
def spec_of(text: str) -> Spec:
    return load_spec_text(text, "ci-gen.yaml")[0]


def env(w: Workflow, job: str, name: str, key: str) -> Any:
    return step(w, job, name)["env"][key]


GATES = "Enforce the metric gates"
SMOKE = "Smoke-test the image"


# Each reader returns (the value as rendered, the value the validated spec holds): they must be equal.
def run_tests_command(w: Workflow, s: Any) -> tuple[Any, Any]:
    return step(w, "test", "Run the tests")["run"], s.test.command


def train(w: Workflow, s: Any) -> tuple[Any, Any]:
    return step(w, "model", "Train")["run"], s.model.train


def evaluate(w: Workflow, s: Any) -> tuple[Any, Any]:
    return step(w, "model", "Evaluate")["run"], s.model.evaluate


def metrics(w: Workflow, s: Any) -> tuple[Any, Any]:
    return env(w, "model", GATES, "METRICS_FILE"), s.model.metrics


def artifacts(w: Workflow, s: Any) -> tuple[Any, Any]:
    return env(w, "model", "Pack the model", "ARTIFACTS"), "\n".join(s.model.artifacts)


def gate(w: Workflow, s: Any) -> tuple[Any, Any]:
    return env(w, "model", GATES, "GATES"), f"accuracy {s.model.gates['accuracy'][0]};f1_macro >= 0.88"


def dockerfile(w: Workflow, s: Any) -> tuple[Any, Any]:
    return build(w)["with"]["file"], s.container.dockerfile


def context(w: Workflow, s: Any) -> tuple[Any, Any]:
    return build(w)["with"]["context"], s.container.context


def build_arg(w: Workflow, s: Any) -> tuple[Any, Any]:
    return build(w)["with"][
        "build-args"
    ], f"PYTHON_VERSION=3.11\nMODEL_DIR={s.container.build_args['MODEL_DIR']}"


def sample_request(w: Workflow, s: Any) -> tuple[Any, Any]:
    return env(w, "build", SMOKE, "SAMPLE_REQUEST"), s.container.sample_request


def health_path(w: Workflow, s: Any) -> tuple[Any, Any]:
    return env(w, "build", SMOKE, "HEALTH_PATH"), s.container.health_path


def image(w: Workflow, s: Any) -> tuple[Any, Any]:
    return env(w, "build", "Name the image", "IMAGE"), s.container.image


def environment(w: Workflow, s: Any) -> tuple[Any, Any]:
    return w["jobs"]["deploy-shadow"]["environment"]["name"], s.deploy.stages[1].github_environment


def stage_name(w: Workflow, s: Any) -> tuple[Any, Any]:
    return stage_job(w, s)["steps"][-1]["with"]["args"].split(" ")[1], s.deploy.stages[0].name


def branch(w: Workflow, s: Any) -> tuple[Any, Any]:
    return stage_job(w, s)["if"].split("'")[3], f"refs/heads/{s.deploy.branch}"


def runtime_input(w: Workflow, s: Any) -> tuple[Any, Any]:
    return shlex.split(compile_line(w, s))[-1], s.dependencies.runtime.input


def runtime_fix_command(w: Workflow, s: Any) -> tuple[Any, Any]:
    return shlex.split(lock_step(w, s)["env"]["FIX_COMMAND"])[-1], s.dependencies.runtime.input


def project(w: Workflow, s: Any) -> tuple[Any, Any]:
    return w["name"], f"ci-gen: {s.project}"


Reader = Callable[[Workflow, Any], tuple[Any, Any]]
# field -> (where it sits in the spec, its reader)
FIELDS: dict[str, tuple[tuple[str | int, ...], Reader]] = {
    "test-command": (("test", "command"), run_tests_command),
    "train": (("model", "train"), train),
    "evaluate": (("model", "evaluate"), evaluate),
    "metrics": (("model", "metrics"), metrics),
    "artifact": (("model", "artifacts", 0), artifacts),
    "gate": (("model", "gates", "accuracy"), gate),
    "dockerfile": (("container", "dockerfile"), dockerfile),
    "context": (("container", "context"), context),
    "build-arg": (("container", "build-args", "MODEL_DIR"), build_arg),
    "sample-request": (("container", "sample-request"), sample_request),
    "health-path": (("container", "health-path"), health_path),
    "image": (("container", "image"), image),
    "environment": (("deploy", "stages", 1, "environment"), environment),
    "stage-name": (("deploy", "stages", 0, "name"), stage_name),
    "branch": (("deploy", "branch"), branch),
    "runtime-input": (("dependencies", "runtime"), runtime_input),
    "runtime-fix-command": (("dependencies", "runtime"), runtime_fix_command),
    "project": (("project",), project),
}
PATHS = (
    "metrics",
    "artifact",
    "dockerfile",
    "context",
    "sample-request",
    "runtime-input",
    "runtime-fix-command",
)
SUFFIX = {"runtime-input": ".in", "runtime-fix-command": ".in"}  # lock inputs must be .in files
VALID = {  # a value each field must accept, as close to trouble as its rules allow
    **dict.fromkeys(FIELDS, TRICKY),
    **dict.fromkeys(PATHS, "dir/" + TRICKY),
    "environment": "Prod - EU .1_x",
    "gate": "<= -1.5e-3",
    "image": "registry.example.com:5000/a-b/c_d",
    "health-path": "/a~b/.c-d_e",
    "stage-name": "canary-2",
    "branch": "release/v1.0_x-y",
    "project": "a-0",
}


class ReusedTemplates(TemplateSet):
    """The built-ins, with one Jinja environment for the whole module: compiled once, rendered often."""

    @cache  # noqa: B019 - one instance for the module's lifetime
    def environment(self) -> Any:
        return super().environment()


TEMPLATES = ReusedTemplates()


def render_text(text: str) -> dict[str, str]:
    outputs = render(resolve_plan(spec_of(text)), TEMPLATES, "0" * 64)
    verify(outputs)  # an accepted spec must never render an invalid workflow
    return outputs


def parse(text: str) -> Any:
    return yaml.load(text, Loader=yaml.CSafeLoader)  # the C build of the safe loader


def parse_all(outputs: dict[str, str]) -> dict[str, Any]:
    return {name: parse(text) for name, text in outputs.items()}


@cache
def baseline() -> dict[str, str]:
    return render_text((CASE / "ci-gen.yaml").read_text())


@cache
def baseline_shapes() -> dict[str, Any]:
    return {name: shape(data) for name, data in parse_all(baseline()).items()}


@cache
def baseline_expressions() -> frozenset[str]:
    return frozenset(expressions(baseline(), parse_all(baseline())))


def shape(node: Any) -> Any:
    """Keys, list lengths and scalar types: everything but the scalar values."""
    if isinstance(node, dict):
        return {key: shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [shape(item) for item in node]
    return type(node).__name__


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in [str(key), *strings(value)]]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def expressions(outputs: dict[str, str], parsed: dict[str, Any]) -> set[str]:
    """`${{ }}` in the text and in every parsed string (GitHub evaluates the parsed value)."""
    found = {m for text in outputs.values() for m in EXPRESSION.findall(text)}
    values = [s for data in parsed.values() for s in strings(data)]
    return found | {m for s in values for m in EXPRESSION.findall(s)}


def renamed_jobs(workflow: Workflow, spec: Spec) -> Workflow:
    """A stage name is a job id by design; map it back so that only structure is compared."""
    assert spec.deploy is not None
    job = f"deploy-{spec.deploy.stages[0].name}"
    jobs = {
        ("deploy-staging" if key == job else key): value for key, value in workflow.get("jobs", {}).items()
    }
    return {**workflow, "jobs": jobs}


def with_value(path: tuple[str | int, ...], value: str) -> str:
    data = yaml.safe_load((CASE / "ci-gen.yaml").read_text())
    node = data
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else node.setdefault(part, {})
    node[path[-1]] = value
    return yaml.safe_dump(data, allow_unicode=True)


def check(field: str, value: str) -> bool:
    """The property for one value; True when the spec accepted it."""
    path, reader = FIELDS[field]
    text = with_value(path, value + SUFFIX.get(field, ""))
    try:
        outputs = render_text(text)
    except SpecError:
        return False  # rejected, with a located message
    parsed = parse_all(outputs)
    assert sorted(parsed) == sorted(baseline_shapes())
    for name, data in parsed.items():
        assert shape(renamed_jobs(data, spec_of(text))) == baseline_shapes()[name], name
    assert expressions(outputs, parsed) <= baseline_expressions()
    landed, expected = reader(parsed[PIPELINE], spec_of(text))
    assert landed == expected
    return True


def test_baseline_lands_where_the_readers_look() -> None:
    fresh = render(resolve_plan(spec_of((CASE / "ci-gen.yaml").read_text())), TemplateSet(), "0" * 64)
    assert baseline() == fresh  # the reused environment renders exactly what a fresh one does
    pipeline = yaml.safe_load(baseline()[PIPELINE])
    assert {"lock", "test", "model", "build", "deploy-staging", "deploy-production"} <= set(pipeline["jobs"])
    assert "${{ matrix.python }}" in baseline_expressions()
    spec = spec_of((CASE / "ci-gen.yaml").read_text())
    for name, (_, reader) in FIELDS.items():
        landed, expected = reader(pipeline, spec)
        assert landed == expected, name


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_hostile_values_stay_data(field: str) -> None:
    assert check(field, VALID[field]), f"{VALID[field]!r} should be valid for {field}"

    @settings(max_examples=30, deadline=None, database=None)
    @given(value=hostile)
    def hostile_value(value: str) -> None:
        check(field, value)

    hostile_value()


def test_expressions_are_rejected_everywhere() -> None:
    for field in FIELDS:
        assert not check(field, "x ${{ secrets.TOKEN }}"), field
