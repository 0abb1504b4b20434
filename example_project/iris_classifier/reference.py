"""Print the training rows with the model's prediction on each, as JSON lines: ci-gen's reference data.

Usage: python -m iris_classifier.reference --model artifacts/model.joblib

`ci-gen profile` (run by the model job, `monitor.reference.command` in ci-gen.yaml) turns these lines into
the reference profile that `ci-gen monitor` and the drift gates compare live traffic with. Each line has
the same shape as the service's prediction log: the features, the prediction and the model version.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .data import load_split
from .model import LoadedModel, ModelLoadError, load_model


def reference_rows(model: LoadedModel) -> Iterator[dict[str, Any]]:
    """One record per training row: its features by name, the predicted class, the model version."""
    split = load_split()
    labels, _ = model.predict(split.x_train)
    for row, label in zip(split.x_train, labels, strict=True):
        features = dict(zip(model.feature_names, map(float, row), strict=True))
        yield {**features, "prediction": label, "model_version": model.version}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the reference rows of the model at --model; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m iris_classifier.reference", description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("artifacts/model.joblib"), help="model file")
    args = parser.parse_args(argv)
    try:
        model = load_model(args.model)
    except ModelLoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for record in reference_rows(model):
        print(json.dumps(record, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
