"""Shared fixtures: golden-case discovery, the --update-golden switch, the MLflow tracking server."""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.tracking.server import MlflowServer

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
INVALID = TESTS / "invalid"
# The fixture repositories' own tests run inside their rehearsals, not in this suite.
collect_ignore_glob = ["fixtures/*"]


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


@functools.cache
def installed_example_pack() -> Path:
    """The example pack (acme-ml 1.0.0) installed with pip, once per session, in a folder removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="ci-gen-acme-ml-"))
    atexit.register(shutil.rmtree, folder, True)
    return pip_install(EXAMPLE_PACK, folder / "site")


@pytest.fixture(scope="session")
def example_pack_site() -> Path:
    return installed_example_pack()


@contextlib.contextmanager
def packs_installed(case: Path) -> Iterator[None]:
    """While rendering a golden case whose spec names a pack: the example pack is installed."""
    if "pack:" not in (case / "ci-gen.yaml").read_text():
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(installed_example_pack()))
        yield


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real `mlflow server` (SQLite backend, loopback, a free port), started once per test session.

    Tests share it: each makes experiments and registered models with names of its own.
    """
    from tests.tracking.server import remove, start_server

    server = start_server(tmp_path_factory.mktemp("mlflow-server"))
    try:
        yield server
    finally:
        remove(server)
