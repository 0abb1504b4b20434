"""The reference rows ci-gen profiles: every training row, the model's prediction, its version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iris_classifier.data import FEATURE_NAMES, load_split
from iris_classifier.model import load_model
from iris_classifier.reference import main


def test_reference_rows_cover_the_training_split(
    model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--model", str(model_path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    model = load_model(model_path)
    assert len(rows) == len(load_split().y_train)
    assert set(rows[0]) == {*FEATURE_NAMES, "prediction", "model_version"}
    assert {r["model_version"] for r in rows} == {model.version}
    assert {r["prediction"] for r in rows} == set(model.class_names)


def test_a_missing_model_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model", str(tmp_path / "none.joblib")]) == 2
    assert "error:" in capsys.readouterr().err
