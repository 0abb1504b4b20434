"""Model gates that may compare with the champion (the model serving a stage now), the rule for the first
release, the pull-request model report and its replay of recorded requests."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from generator.spec.types import Command, Duration, Gate, RelPath, Slug

if TYPE_CHECKING:
    from generator.spec.model import Spec

_NUMBER = r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_MODEL_GATE = re.compile(
    rf"^(?P<op>>=|<=|==|>|<)\s*(?:(?P<number>-?{_NUMBER})|champion(?:\s*(?P<arith>[-+*])\s*(?P<by>{_NUMBER}))?)$"
)
_SCHEMA_PATTERN = r"^\s*(>=|<=|==|>|<)\s*(-?[0-9.eE+-]+|champion(\s*[-+*]\s*[0-9.eE+-]+)?)\s*$"
GATE_HELP = (
    'write OP NUMBER (">= 0.9") or OP champion, optionally with + NUMBER, - NUMBER or * NUMBER '
    '(">= champion - 0.01", "<= champion * 1.1"); OP is one of >=, <=, >, <, =='
)


def _model_gate(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(
            f'{value!r} is not a comparison; write it as a quoted string such as ">= 0.9" or '
            '">= champion - 0.01"'
        )
    match = _MODEL_GATE.fullmatch(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a gate: {GATE_HELP}")
    if match["number"] is not None:
        return f"{match['op']} {match['number']}"
    tail = f" {match['arith']} {match['by']}" if match["arith"] else ""
    return f"{match['op']} champion{tail}"


ModelGate = Annotated[
    str,
    BeforeValidator(_model_gate),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _SCHEMA_PATTERN,
            "examples": [">= 0.9", ">= champion - 0.01", "<= champion * 1.1"],
        }
    ),
]


def _gates(value: Any) -> Any:
    """One gate or a list of them, each checked here so that an error names the metric it is about."""
    if not isinstance(value, list):
        return [_model_gate(value)]
    if not 1 <= len(value) <= 4:
        raise ValueError(f"give 1 to 4 gates for one metric, not {len(value)}")
    gates = []
    for index, item in enumerate(value, 1):
        try:
            gates.append(_model_gate(item))
        except ValueError as exc:
            raise ValueError(f"gate {index} of {len(value)}: {exc}") from None
    return gates


ModelGates = Annotated[list[str], BeforeValidator(_gates, json_schema_input_type=ModelGate | list[ModelGate])]


ARTIFACT_PREFIX = "ci-gen-champion-"


def artifact_name(stage: str) -> str:
    """The GitHub artifact a stage's deploy job keeps its promoted model in (the champion's bundle)."""
    return f"{ARTIFACT_PREFIX}{stage}"


def is_relative(gate: str) -> bool:
    """Whether a (normalised) model gate compares with the champion."""
    return " champion" in gate


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=False, validate_default=True
    )


class ReplayGates(_Model):
    """How the candidate must compare with the champion on the replayed requests."""

    agreement: Gate | None = Field(
        default=">= 0.95", description="Share of requests where candidate and champion predict the same."
    )
    latency_p95_vs_champion: Gate | None = Field(
        default=None, description="Candidate p95 latency / the champion's, on the same requests."
    )
    error_rate: Gate | None = Field(default="<= 0.01", description="Share of requests the candidate failed.")


class ReplaySpec(_Model):
    """Replay recorded requests against the champion and the candidate, both served inside the model job
    from their artifacts: a shadow verdict on the pull request, with no live traffic."""

    requests: RelPath = Field(description="JSONL file, one recorded request body per line.")
    serve: Command = Field(
        description="Starts one model service, run with PORT, HOST=127.0.0.1 and MODEL_PATH set."
    )
    model_path: RelPath = Field(
        description="The model file or folder among model.artifacts that MODEL_PATH points at."
    )
    predict_path: str = Field(
        default="/predict", pattern=r"^/[A-Za-z0-9._~/-]*$", description="JSON in, out."
    )
    health_path: str = Field(
        default="/health", pattern=r"^/[A-Za-z0-9._~/-]*$", description="Answers 200 when ready."
    )
    health_timeout: Duration = Field(default=60, description="How long each service may take to be healthy.")
    repeat: Annotated[int, Field(ge=1, le=100)] = Field(
        default=1, description="Send the file this many times."
    )
    gates: ReplayGates = Field(default_factory=ReplayGates, description="Judged on the replayed requests.")
    gate_pull_request: bool = Field(
        default=True, description="Fail the model job when a replay gate fails (false: report only)."
    )


class ChampionSpec(_Model):
    """Where the champion comes from, what happens before there is one, and the pull-request report."""

    stage: Slug | None = Field(
        default=None,
        description="The stage whose serving model is the champion; default: the last basic or canary stage.",
    )
    first_release: Literal["pass", "fail"] = Field(
        default="pass",
        description="No champion yet: pass (champion-relative gates pass with a note, absolute gates still "
        "judge) or fail (the model job fails until a champion is recorded).",
    )
    comment: bool = Field(
        default=False,
        description="Also post the model report as one pull-request comment, updated on each push (never for "
        "pull requests from forks).",
    )
    replay: ReplaySpec | None = Field(
        default=None, description="Replay recorded requests against champion and candidate (optional)."
    )


def champion_problems(spec: Spec) -> list[tuple[tuple[str | int, ...], str]]:
    """Checks across sections, each located where the fix goes: the champion is the model a basic or
    canary stage serves (a shadow stage never changes what it serves)."""
    model = spec.model
    if model is None or not (model.relative_gates or model.champion):
        return []
    serving = [s.name for s in spec.deploy.stages if s.strategy != "shadow"] if spec.deploy else []
    wanted = model.champion.stage if model.champion else None
    if wanted is not None and wanted not in serving:
        shown = ", ".join(serving) or "none"
        return [
            (
                ("model", "champion", "stage"),
                f"'{wanted}' is not a basic or canary stage (those are: {shown}); a shadow stage never "
                "changes the model it serves",
            )
        ]
    if serving:
        return []
    relative = [name for name, gates in model.gates.items() if any(is_relative(g) for g in gates)]
    where: tuple[str | int, ...] = ("model", "gates", relative[0]) if relative else ("model", "champion")
    need = "add deploy stages" if spec.deploy is None else "add a basic or canary stage"
    return [(where, f"the champion is the model a basic or canary stage serves; {need}")]
