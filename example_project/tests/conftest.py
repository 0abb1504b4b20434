"""Shared fixtures: one model trained per test session (iris trains in milliseconds) and apps serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from iris_classifier import train
from iris_classifier.service import ServiceConfig, create_app


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding model.joblib and model-metadata.json trained with the default seed."""
    out = tmp_path_factory.mktemp("artifacts")
    assert train.main(["--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def model_path(artifacts: Path) -> Path:
    return artifacts / "model.joblib"


@pytest.fixture
def app(model_path: Path) -> Iterator[Flask]:
    app = create_app(ServiceConfig(model_path=model_path))
    app.testing = True
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


SAMPLE_ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
