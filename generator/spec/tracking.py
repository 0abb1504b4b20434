"""The `model.tracking` section: log each training run to MLflow, register the model on the deploy
branch, record which version each stage serves, and say how closely a rerun must reproduce it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from generator.defaults import TRACKING_STORE
from generator.spec.types import EnvironmentName, MetricName, RelPath

SecretName = Annotated[
    str,
    Field(pattern=r"^[A-Z_][A-Z0-9_]{0,99}$", description="A GitHub secret name (upper case, digits, _)."),
]
# MLflow accepts nearly any experiment and model name; ci-gen keeps to names that need no quoting anywhere.
TrackingName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,99}$")]
Tolerance = Annotated[float, Field(ge=0, allow_inf_nan=False)]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=False, validate_default=True
    )


class TrackingSpec(_Model):
    """Log each training run to MLflow (parameters, metrics, artifacts, lineage tags) without the training
    code importing MLflow; on the deploy branch, register the model and move an alias per stage."""

    experiment: TrackingName | None = Field(
        default=None, description="MLflow experiment of the runs; default: the project name."
    )
    model_name: TrackingName | None = Field(
        default=None, description="Registered model name; default: the project name."
    )
    params: RelPath | None = Field(
        default=None,
        description="A JSON or YAML file of the run's parameters, written by training or kept in the "
        "repository; nested mappings become dotted names (training.seed).",
    )
    uri_secret: SecretName | None = Field(
        default=None,
        description="The GitHub secret holding the tracking server's URI. Unset, or empty (as for a fork's "
        "pull request): the embedded store (`store`), uploaded as the model job's `tracking` artifact.",
    )
    token_secret: SecretName | None = Field(
        default=None, description="The GitHub secret holding the server's token (MLFLOW_TRACKING_TOKEN)."
    )
    environment: EnvironmentName = Field(
        default="tracking",
        description="The GitHub environment of the model job when it reaches a server: the secrets live "
        "there. Pull requests use it too, so give it no branch rules.",
    )
    store: RelPath = Field(
        default=TRACKING_STORE,
        description="The embedded store's folder (SQLite and artifacts), used when no tracking URI is set.",
    )
    registry: bool = Field(
        default=True,
        description="On the deploy branch, register the trained model as a new version; the stages set "
        "aliases on it (their names) as they promote.",
    )
    tolerance: Tolerance = Field(
        default=0.01,
        description="`ci-gen reproduce`: the largest absolute difference allowed between a recorded metric "
        "and the retrained one.",
    )
    tolerances: dict[MetricName, Tolerance] = Field(
        default_factory=dict, description="Per-metric tolerances that replace `tolerance` for that metric."
    )

    @field_validator("params")
    @classmethod
    def _params_format(cls, value: str | None) -> str | None:
        if value is not None and not value.endswith((".json", ".yaml", ".yml")):
            raise ValueError(f"'{value}' must be a .json, .yaml or .yml file of name: value pairs")
        return value

    @field_validator("token_secret")
    @classmethod
    def _token_needs_server(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("uri_secret", "") is None:
            raise ValueError("a token is for a tracking server; set uri-secret too")
        return value


def _enabled(value: Any) -> Any:
    """`tracking: true` stands for `tracking: {}` (every default); `tracking: false` for no tracking."""
    if value is True:
        return {}
    if value is False:
        return None
    return value


TrackingField = Annotated[
    TrackingSpec | None, BeforeValidator(_enabled, json_schema_input_type=bool | TrackingSpec | None)
]
