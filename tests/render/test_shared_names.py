"""The facts generator/defaults.py names hold in what the built-in templates render."""

from __future__ import annotations

import pytest
import yaml

from generator.defaults import PYTHON_MATRIX_KEY, WORKFLOWS_DIR
from tests.helpers import GOLDEN


@pytest.mark.parametrize("case", sorted(p.name for p in GOLDEN.iterdir() if (p / "expected").is_dir()))
def test_the_test_job_varies_python_under_the_named_matrix_key(case: str) -> None:
    workflow = yaml.safe_load((GOLDEN / case / "expected" / WORKFLOWS_DIR / "ci-gen.yml").read_text())
    matrices = [job["strategy"]["matrix"] for job in workflow["jobs"].values() if "strategy" in job]
    assert matrices, "the test job has a matrix"
    assert all(list(matrix) == [PYTHON_MATRIX_KEY] for matrix in matrices)
