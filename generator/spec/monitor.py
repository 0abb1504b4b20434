"""The `monitor:` and `retrain:` sections of the spec: the reference profile, drift thresholds, and the
scheduled monitor and retraining workflows."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from generator.spec.types import Command, RelPath, Slug

# Five cron fields of numbers, ranges, lists, steps and *, as GitHub's `schedule:` takes them (UTC).
_CRON_FIELD = r"[0-9*/,-]+|[A-Za-z]{3}"
_CRON = re.compile(rf"^({_CRON_FIELD})( ({_CRON_FIELD})){{4}}$")


def _cron(value: str) -> str:
    if not _CRON.match(value):
        raise ValueError(
            f"'{value}' is not a cron line of five fields, minute hour day month weekday, "
            'such as "17 6 * * *" (UTC)'
        )
    return value


Cron = Annotated[
    str,
    AfterValidator(_cron),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _CRON.pattern,
            "description": "A cron line of five fields, in UTC (GitHub's schedule syntax).",
            "examples": ["17 6 * * *"],
        }
    ),
]
FieldName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=False, validate_default=True
    )


class ReferenceData(_Model):
    """Where the training inputs and the model's predictions on them come from: a file or a command."""

    data: RelPath | None = Field(
        default=None, description="A .jsonl, .json (list of objects) or .csv file, one record per row."
    )
    command: Command | None = Field(
        default=None, description="A command that prints the records as JSON lines on stdout."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ReferenceData:
        if (self.data is None) == (self.command is None):
            raise ValueError("set exactly one of data (a file) and command (prints JSON lines)")
        if self.data is not None and not self.data.endswith((".jsonl", ".json", ".csv")):
            raise ValueError(f"'{self.data}' must be a .jsonl, .json or .csv file")
        return self


def _data_shorthand(value: Any) -> Any:
    return {"data": value} if isinstance(value, str) else value


class Thresholds(_Model):
    """When a feature, or the prediction distribution, counts as drifted."""

    psi: Annotated[float, Field(gt=0)] = Field(
        default=0.25,
        description="Population stability index above which a feature has drifted "
        "(convention: below 0.1 stable, 0.1-0.25 moderate shift, above 0.25 significant).",
    )
    ks: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=0.2,
        description="Kolmogorov-Smirnov statistic (largest CDF gap, 0-1) above which a numeric feature "
        "has drifted; null: judge numeric features on PSI alone.",
    )
    min_rows: Annotated[int, Field(ge=1)] = Field(
        default=100, description="Fewer logged predictions than this is inconclusive (exit 1)."
    )


class MonitorSpec(_Model):
    """Record a reference profile of the training data and watch live traffic for drift from it."""

    reference: Annotated[
        ReferenceData, BeforeValidator(_data_shorthand, json_schema_input_type=RelPath | ReferenceData)
    ] = Field(
        description="The training inputs with the model's prediction on each: a file path, or {command}."
    )
    profile: RelPath = Field(
        default="artifacts/profile.json",
        description="Where the model job writes the profile (uploaded with the model; add it to the image).",
    )
    prediction: FieldName = Field(
        default="prediction", description="The field of each reference record that holds the prediction."
    )
    features: list[FieldName] = Field(
        default_factory=list, description="The input fields to profile (default: every other field)."
    )
    categorical: list[FieldName] = Field(
        default_factory=list,
        description="Numeric fields to treat as categories (strings and booleans always are).",
    )
    thresholds: Thresholds = Field(default_factory=Thresholds, description="When drift is reported.")
    schedule: Cron | None = Field(
        default="17 6 * * *", description="When the monitor workflow runs (null: no scheduled workflow)."
    )
    stages: list[Slug] = Field(
        default_factory=list, description="Stages the scheduled monitor watches (default: the last one)."
    )


RetrainThen = Literal["pull-request", "deploy"]


class RetrainSpec(_Model):
    """Retrain on a schedule, on new data or on drift; gate the new model; then propose or deploy it."""

    schedule: Cron | None = Field(default=None, description="Retrain at these times (UTC).")
    paths: list[RelPath] = Field(
        default_factory=list, description="Retrain when a push to the deploy branch changes these (globs)."
    )
    on_drift: bool = Field(
        default=False, description="Retrain when the scheduled monitor finds drift (needs monitor)."
    )
    then: RetrainThen = Field(
        default="pull-request",
        description="pull-request: open a PR with the new model's report; deploy: run the pipeline, "
        "which deploys through its stages and gates.",
    )
    report: RelPath = Field(
        default="model-report.md", description="The report file the pull request adds or updates."
    )

    @model_validator(mode="after")
    def _some_trigger(self) -> RetrainSpec:
        if self.schedule is None and not self.paths and not self.on_drift:
            raise ValueError("say when to retrain: schedule, paths, on-drift, or several")
        return self
