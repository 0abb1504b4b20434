"""The iris data set and the one fixed train/test split that training and evaluation share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

# Stable, JSON-friendly names for the API; scikit-learn's own ("sepal length (cm)") hold spaces and units.
FEATURE_NAMES: tuple[str, ...] = ("sepal_length", "sepal_width", "petal_length", "petal_width")

# The split is fixed independently of the training seed, so that models trained with different seeds
# (or with label noise) are always scored on the same held-out rows and can be compared.
SPLIT_SEED = 20240501
TEST_FRACTION = 0.3

FloatMatrix = npt.NDArray[np.float64]
IntVector = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Split:
    """Held-out split of the iris data: features as float64 rows, labels as class indices."""

    x_train: FloatMatrix
    x_test: FloatMatrix
    y_train: IntVector
    y_test: IntVector
    class_names: tuple[str, ...]


def load_split() -> Split:
    """Load iris from the copy shipped inside scikit-learn (never downloads) and split it."""
    iris = load_iris()
    x = np.asarray(iris.data, dtype=np.float64)
    y = np.asarray(iris.target, dtype=np.int64)
    if x.shape[1] != len(FEATURE_NAMES):
        raise RuntimeError(f"iris has {x.shape[1]} features, expected {len(FEATURE_NAMES)}")
    # Stratified so every class keeps its share in both halves.
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=y
    )
    return Split(x_train, x_test, y_train, y_test, tuple(str(name) for name in iris.target_names))
