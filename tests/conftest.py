"""Shared fixtures: golden-case discovery and the --update-golden switch."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
INVALID = TESTS / "invalid"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/*/expected from the current templates (then review the diff).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def golden_cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "ci-gen.yaml").is_file())


def invalid_cases() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if (p / "ci-gen.yaml").is_file())
