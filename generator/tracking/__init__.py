"""Experiment tracking with MLflow: log the model job's run, register versions, move stage aliases,
reproduce a recorded run. MLflow is the optional `tracking` extra: only these modules import it, lazily."""
