import json

import numpy as np
import pytest

from iris_classifier import train
from iris_classifier.model import load_model, model_version


def test_training_is_deterministic_given_the_seed(tmp_path, monkeypatch):
    train.main(["--out", str(tmp_path / "a"), "--seed", "3"])
    # A different wall-clock time must not change the model: the timestamp is not part of the model bytes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    train.main(["--out", str(tmp_path / "b"), "--seed", "3"])
    first = (tmp_path / "a" / "model.joblib").read_bytes()
    second = (tmp_path / "b" / "model.joblib").read_bytes()
    assert first == second


def test_model_version_is_the_short_sha256_of_the_model_bytes(artifacts):
    metadata = json.loads((artifacts / "model-metadata.json").read_text())
    model_bytes = (artifacts / "model.joblib").read_bytes()
    assert metadata["model_version"] == model_version(model_bytes)
    assert len(metadata["model_version"]) == 12
    assert load_model(artifacts / "model.joblib").version == metadata["model_version"]


def test_metadata_records_runtime_and_names(artifacts):
    metadata = json.loads((artifacts / "model-metadata.json").read_text())
    assert set(metadata["packages"]) == {"scikit-learn", "numpy", "scipy", "joblib"}
    assert all(metadata["packages"].values())
    assert metadata["python_version"].count(".") == 2
    assert metadata["feature_names"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert metadata["class_names"] == ["setosa", "versicolor", "virginica"]
    assert metadata["training"]["seed"] == 0
    assert metadata["training"]["label_noise"] == 0.0
    assert metadata["trained_at"].endswith("Z")


def test_source_date_epoch_fixes_the_metadata_timestamp(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    train.main(["--out", str(tmp_path)])
    metadata = json.loads((tmp_path / "model-metadata.json").read_text())
    assert metadata["trained_at"] == "2023-11-14T22:13:20Z"


def test_label_noise_gives_a_different_model(tmp_path, artifacts):
    train.main(["--out", str(tmp_path), "--label-noise", "0.5"])
    metadata = json.loads((tmp_path / "model-metadata.json").read_text())
    clean = json.loads((artifacts / "model-metadata.json").read_text())
    assert metadata["model_version"] != clean["model_version"]
    assert metadata["training"]["corrupted_labels"] == round(0.5 * metadata["training"]["train_rows"])


def test_corrupt_labels_changes_exactly_the_requested_fraction():
    labels = np.arange(100, dtype=np.int64) % 3
    noisy = train.corrupt_labels(labels, 0.25, n_classes=3, seed=1)
    assert (noisy != labels).sum() == 25
    assert set(noisy.tolist()) <= {0, 1, 2}
    assert (train.corrupt_labels(labels, 0.0, n_classes=3, seed=1) == labels).all()


@pytest.mark.parametrize("fraction", ["-0.1", "1.5", "lots"])
def test_label_noise_outside_zero_to_one_is_rejected(tmp_path, fraction, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train.main(["--out", str(tmp_path), "--label-noise", fraction])
    assert exit_info.value.code == 2
    assert "--label-noise" in capsys.readouterr().err
