"""The example's model job without a tracking server (a pull request, no secret): the run goes to the
embedded store, which the job keeps as its `tracking` artifact."""

from __future__ import annotations

import pytest

from generator.tracking.store import Store, open_client
from tests.example.conftest import ExampleRehearsal


# MLflow's SQLite store, read in this process, uses a loader SQLAlchemy 2.1 deprecates.
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_the_model_job_keeps_its_run_in_the_embedded_store(example_rehearsal: ExampleRehearsal) -> None:
    # Laid out as GitHub lays out an uploaded folder: its contents at the artifact's root.
    store = example_rehearsal.workdir / "artifacts" / "tracking"
    assert (store / "mlflow.db").is_file()
    client = open_client(Store(f"sqlite:///{store / 'mlflow.db'}", store))
    experiment = client.get_experiment_by_name("iris-classifier")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.metrics["accuracy"] >= 0.9
    assert run.data.tags["ci_gen.python"].startswith("3.11.")
    assert client.search_model_versions("name = 'iris-classifier'") == []  # a pull request registers nothing
