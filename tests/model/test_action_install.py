"""The Action installs MLflow's client for model-report only when the step is given a tracking server."""

from __future__ import annotations

from pathlib import Path

from generator.action.bootstrap import extra_locks

TRACKING = Path("requirements") / "action-tracking.txt"


def test_mlflow_only_with_a_tracking_server() -> None:
    assert TRACKING in extra_locks("model-report", {"MLFLOW_TRACKING_URI": "https://mlflow.example.com"})
    assert TRACKING not in extra_locks("model-report", {"MLFLOW_TRACKING_URI": ""})  # a fork's empty secret
    assert TRACKING not in extra_locks("model-report", {})
    assert TRACKING not in extra_locks("check", {"MLFLOW_TRACKING_URI": "https://mlflow.example.com"})
    assert (Path(__file__).parents[2] / TRACKING).is_file()
