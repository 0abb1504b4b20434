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


EXAMPLE_PACK = TESTS.parent / "examples" / "platform-pack"


def pip_install(source: Path, target: Path) -> Path:
    """`pip install --target`: a real install whose entry points are found once `target` is on sys.path."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*argv, "--target", str(target), str(source)], check=True, capture_output=True)
    return target


@pytest.fixture(scope="session")
def example_pack_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example pack (acme-ml 1.0.0) installed with pip, once per session."""
    return pip_install(EXAMPLE_PACK, tmp_path_factory.mktemp("acme-ml-1.0.0"))
