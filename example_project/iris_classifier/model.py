"""The model artifact: how it is serialised, versioned, loaded and asked for predictions."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from .data import FloatMatrix

# Bumped whenever the layout of the dict inside model.joblib changes, so an old service refuses a new file.
ARTIFACT_FORMAT = "iris-classifier/1"
METADATA_FILENAME = "model-metadata.json"
VERSION_LENGTH = 12
_REQUIRED = {"estimator", "feature_names", "class_names"}


class ModelLoadError(Exception):
    """The model file is missing, unreadable, or not an artifact this service understands."""


def model_version(model_bytes: bytes) -> str:
    """Return the model version: the first 12 hex digits of the SHA-256 of the model file's bytes."""
    return hashlib.sha256(model_bytes).hexdigest()[:VERSION_LENGTH]


def metadata_path_for(model_path: Path) -> Path:
    """Return where the metadata of the model at `model_path` lives (beside it)."""
    return model_path.with_name(METADATA_FILENAME)


def serialise(bundle: Mapping[str, Any]) -> bytes:
    """Serialise an artifact bundle to the bytes of model.joblib (deterministic for equal bundles)."""
    buffer = io.BytesIO()
    joblib.dump(dict(bundle), buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model with the names and version needed to serve it."""

    estimator: Any
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    version: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict(self, rows: FloatMatrix) -> tuple[list[str], list[dict[str, float]]]:
        """Return class names and per-class probabilities for each row of `rows`."""
        probabilities = np.asarray(self.estimator.predict_proba(rows), dtype=np.float64)
        # Class indices of the estimator map positionally onto class_names (training guarantees it).
        labels = [self.class_names[int(i)] for i in self.estimator.classes_[probabilities.argmax(axis=1)]]
        by_class = [
            {self.class_names[int(c)]: float(p) for c, p in zip(self.estimator.classes_, row, strict=True)}
            for row in probabilities
        ]
        return labels, by_class


def load_model(model_path: Path) -> LoadedModel:
    """Load model.joblib and the metadata beside it, checking that both describe the same model.

    The file is read once and the version is hashed from exactly the bytes that are unpickled.
    joblib unpickles arbitrary code, so only load artifacts produced by this project's own pipeline.
    """
    try:
        model_bytes = model_path.read_bytes()
        bundle = joblib.load(io.BytesIO(model_bytes))
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError, ImportError) as error:
        raise ModelLoadError(f"cannot load model {model_path}: {error}") from error
    if (
        not isinstance(bundle, dict)
        or bundle.get("format") != ARTIFACT_FORMAT
        or not _REQUIRED.issubset(bundle)
    ):
        raise ModelLoadError(f"{model_path} is not an {ARTIFACT_FORMAT} artifact")
    version = model_version(model_bytes)
    metadata = _load_metadata(metadata_path_for(model_path), version)
    return LoadedModel(
        estimator=bundle["estimator"],
        feature_names=tuple(bundle["feature_names"]),
        class_names=tuple(bundle["class_names"]),
        version=version,
        metadata=metadata,
    )


def _load_metadata(path: Path, version: str) -> dict[str, Any]:
    # Metadata is optional (the model file is self-describing), but stale metadata is a packaging bug
    # that would make /version lie, so a mismatch refuses to load rather than serve wrong provenance.
    if not path.exists():
        return {}
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot read model metadata {path}: {error}") from error
    if not isinstance(metadata, dict) or metadata.get("model_version") != version:
        raise ModelLoadError(f"{path} does not describe model version {version}")
    return metadata
