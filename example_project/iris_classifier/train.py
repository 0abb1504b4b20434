"""Train the iris classifier and write model.joblib plus model-metadata.json.

Usage: python -m iris_classifier.train --out artifacts [--seed 0] [--label-noise 0.0]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .data import FEATURE_NAMES, SPLIT_SEED, TEST_FRACTION, IntVector, load_split
from .model import ARTIFACT_FORMAT, METADATA_FILENAME, model_version, serialise

MODEL_FILENAME = "model.joblib"
# The packages whose versions decide how the pickled model behaves when it is loaded again.
MODEL_PACKAGES = ("scikit-learn", "numpy", "scipy", "joblib")


def corrupt_labels(labels: IntVector, fraction: float, n_classes: int, seed: int) -> IntVector:
    """Return a copy of `labels` with round(fraction * len) of them moved to a different class.

    Used to train a deliberately worse (but valid) model, e.g. to rehearse a canary rollback.
    """
    rng = np.random.default_rng(seed)
    noisy = labels.copy()
    count = round(fraction * len(labels))
    chosen = rng.choice(len(labels), size=count, replace=False)
    # Adding 1..n_classes-1 modulo n_classes guarantees the new label differs from the true one.
    shifts = rng.integers(1, n_classes, size=count)
    noisy[chosen] = (noisy[chosen] + shifts) % n_classes
    return noisy


def build_estimator(seed: int) -> Pipeline:
    """Return the untrained pipeline: standardised features into a multinomial logistic regression."""
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("classify", LogisticRegression(max_iter=1000, random_state=seed)),
        ]
    )


@dataclass(frozen=True)
class TrainedModel:
    """The bytes of model.joblib plus what metadata needs to know about how they were made."""

    model_bytes: bytes
    class_names: tuple[str, ...]
    training: dict[str, Any]


def train(seed: int, label_noise: float) -> TrainedModel:
    """Train on the training half of the fixed split and serialise the result."""
    split = load_split()
    y_train = corrupt_labels(split.y_train, label_noise, len(split.class_names), seed)
    estimator = build_estimator(seed).fit(split.x_train, y_train)
    bundle = {
        "format": ARTIFACT_FORMAT,
        "estimator": estimator,
        "feature_names": list(FEATURE_NAMES),
        "class_names": list(split.class_names),
    }
    training = {
        "seed": seed,
        "label_noise": label_noise,
        "corrupted_labels": int((y_train != split.y_train).sum()),
        "train_rows": len(y_train),
        "split_seed": SPLIT_SEED,
        "test_fraction": TEST_FRACTION,
        "estimator": "StandardScaler -> LogisticRegression",
        "dataset": "sklearn.datasets.load_iris",
    }
    return TrainedModel(serialise(bundle), split.class_names, training)


def build_metadata(trained: TrainedModel) -> dict[str, Any]:
    """Describe a trained model: version, provenance, runtime and the names the API uses."""
    return {
        "model_version": model_version(trained.model_bytes),
        "model_file": MODEL_FILENAME,
        "format": ARTIFACT_FORMAT,
        "trained_at": _training_timestamp(),
        "training": trained.training,
        "python_version": platform.python_version(),
        "packages": {name: importlib_metadata.version(name) for name in MODEL_PACKAGES},
        "feature_names": list(FEATURE_NAMES),
        "class_names": list(trained.class_names),
    }


def write_artifacts(out_dir: Path, model_bytes: bytes, metadata: dict[str, Any]) -> Path:
    """Write model.joblib and its metadata into `out_dir`; return the model's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILENAME
    _write_atomically(model_path, model_bytes)
    text = json.dumps(metadata, indent=2, sort_keys=True) + "\n"
    _write_atomically(out_dir / METADATA_FILENAME, text.encode("utf-8"))
    return model_path


def _write_atomically(path: Path, data: bytes) -> None:
    # A crash mid-write must never leave a half-written model that a later build would bake in.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def _training_timestamp() -> str:
    # SOURCE_DATE_EPOCH (the reproducible-builds convention) lets a pipeline make even the metadata
    # byte-identical; the timestamp never feeds the model bytes, so the model version is stable anyway.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line of `python -m iris_classifier.train`."""
    parser = argparse.ArgumentParser(
        prog="python -m iris_classifier.train", description="Train the iris classifier."
    )
    parser.add_argument("--out", type=Path, default=Path("artifacts"), help="artifact directory")
    parser.add_argument("--seed", type=int, default=0, help="seed for the estimator and the label noise")
    parser.add_argument(
        "--label-noise",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="fraction of training labels to corrupt, for a deliberately worse model (default 0)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Train, write the artifacts and print a one-line summary; return the exit code."""
    args = parse_args(argv)
    trained = train(args.seed, args.label_noise)
    metadata = build_metadata(trained)
    model_path = write_artifacts(args.out, trained.model_bytes, metadata)
    print(f"wrote {model_path} (model version {metadata['model_version']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
