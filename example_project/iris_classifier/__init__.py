"""Iris classifier: a small scikit-learn model service that follows ci-gen's serving contract."""

__version__ = "1.0.0"
