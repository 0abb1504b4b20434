"""Where runs go: the tracking server named by MLFLOW_TRACKING_URI, else the embedded store in the
repository (`model.tracking.store`: SQLite and an artifacts folder). MLflow is imported here only."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import DeployError, ToolMissingError, UsageError
from generator.spec.model import Spec
from generator.spec.tracking import TrackingSpec

if TYPE_CHECKING:
    from mlflow import MlflowClient

URI_VARIABLE = "MLFLOW_TRACKING_URI"
INSTALL_HINT = "pip install 'ci-gen[tracking]' (MLflow's client), or use the ci-gen Action, which installs it"


@dataclass(frozen=True)
class Store:
    """A tracking store: the URI MLflow is given, and for the embedded store its folder."""

    uri: str
    folder: Path | None = None  # the embedded store's folder; None for a server

    @property
    def embedded(self) -> bool:
        return self.folder is not None

    @property
    def artifacts(self) -> str | None:
        """Where the embedded store keeps artifacts (a server decides for itself)."""
        return (self.folder / "artifacts").as_uri() if self.folder is not None else None

    def describe(self) -> str:
        return f"the embedded store {self.folder}" if self.folder is not None else f"the server {self.uri}"


def tracking_of(spec: Spec) -> TrackingSpec:
    """The spec's tracking section; exit 2 when it has none."""
    tracking = spec.model.tracking if spec.model is not None else None
    if tracking is None:
        raise UsageError(
            "the spec does not enable tracking",
            hint="add `tracking: true` (or a mapping of its settings) to the model section",
        )
    return tracking


def resolve_store(root: Path, tracking: TrackingSpec, env: Mapping[str, str] | None = None) -> Store:
    """The server when MLFLOW_TRACKING_URI is set (and not empty: a secret a fork cannot read is empty),
    else the embedded store under the repository."""
    uri = (os.environ if env is None else env).get(URI_VARIABLE, "").strip()
    if uri:
        return Store(uri)
    folder = (root / tracking.store).resolve()
    return Store(f"sqlite:///{folder / 'mlflow.db'}", folder)


def open_client(store: Store, *, create: bool = False) -> MlflowClient:
    """An MLflow client on `store`. The embedded store is created only when `create` (logging a run);
    readers of a store that does not exist get a UsageError instead of an empty new one."""
    if store.folder is not None:
        if not create and not (store.folder / "mlflow.db").is_file():
            raise UsageError(
                f"no tracking store at {store.folder} (no run has been logged there)",
                hint=f"set {URI_VARIABLE} to your tracking server, or run the model job with tracking first",
            )
        (store.folder / "artifacts").mkdir(parents=True, exist_ok=True)
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise ToolMissingError("MLflow is not installed, and tracking needs it", hint=INSTALL_HINT) from None
    return MlflowClient(tracking_uri=store.uri, registry_uri=store.uri)


@contextmanager
def reaching(store: Store) -> Iterator[None]:
    """MLflow's own errors (a server down or refusing, a store it cannot read) as one clear CiGenError
    (exit 3, an infrastructure failure), instead of a traceback."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as exc:
        raise DeployError(f"{store.describe()}: {exc.message}") from None
