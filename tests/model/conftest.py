"""The example service's venv and trained models, shared with the deploy tests."""

from tests.deploy.conftest import iris_bin, iris_models

__all__ = ["iris_bin", "iris_models"]
