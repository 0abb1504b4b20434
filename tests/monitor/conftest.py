from __future__ import annotations

import pytest

from generator.monitor import profile
from generator.spec.monitor import Thresholds
from tests.monitor.synthetic import rows


@pytest.fixture(scope="session")
def training() -> list[dict]:
    return rows(5000, seed=1)


@pytest.fixture(scope="session")
def reference(training) -> profile.Profile:
    return profile.build(training, "prediction")


@pytest.fixture
def thresholds() -> Thresholds:
    return Thresholds()
