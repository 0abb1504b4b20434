"""Score a trained model on the held-out split and write the metrics as a flat JSON object of floats.

Usage: python -m iris_classifier.evaluate --model artifacts/model.joblib --metrics artifacts/metrics.json

Gates (e.g. accuracy >= 0.9) are enforced by the generated workflow from ci-gen.yaml, not here, so this
command succeeds for any model it can load and score.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from .data import load_split
from .model import LoadedModel, ModelLoadError, load_model


def evaluate(model: LoadedModel) -> dict[str, float]:
    """Return accuracy and macro-averaged F1, precision and recall on the held-out rows."""
    split = load_split()
    predicted, _ = model.predict(split.x_test)
    # Compare by class name, exactly as a client of the service sees the predictions.
    truth = np.asarray([split.class_names[i] for i in split.y_test])
    guess = np.asarray(predicted)
    # zero_division=0: a deliberately bad model may never predict some class; that is a score, not an error.
    return {
        "accuracy": float(accuracy_score(truth, guess)),
        "f1_macro": float(f1_score(truth, guess, average="macro", zero_division=0)),
        "precision_macro": float(precision_score(truth, guess, average="macro", zero_division=0)),
        "recall_macro": float(recall_score(truth, guess, average="macro", zero_division=0)),
    }


def write_metrics(path: Path, metrics: dict[str, float]) -> None:
    """Write `metrics` as pretty, key-sorted JSON, creating the parent directory if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line of `python -m iris_classifier.evaluate`."""
    parser = argparse.ArgumentParser(
        prog="python -m iris_classifier.evaluate", description="Evaluate a trained iris classifier."
    )
    parser.add_argument("--model", type=Path, default=Path("artifacts/model.joblib"))
    parser.add_argument("--metrics", type=Path, default=Path("artifacts/metrics.json"))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate the model, write and print the metrics; return the exit code (2 if unloadable)."""
    args = parse_args(argv)
    try:
        model = load_model(args.model)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    metrics = evaluate(model)
    write_metrics(args.metrics, metrics)
    print(json.dumps(metrics, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
