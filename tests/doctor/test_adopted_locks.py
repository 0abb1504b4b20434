"""doctor on adopted locks: uv.lock's pins are read line by line, `--deep` asks `uv lock --check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.doctor import diagnose
from generator.doctor.project import lock_pins
from generator.location import Location
from tests.helpers import run

UV_FIXTURE = Path(__file__).parents[1] / "fixtures" / "uv-groups-old-pickle"


def test_uv_lock_pins_keep_their_line_numbers() -> None:
    text = (UV_FIXTURE / "uv.lock").read_text()
    pins = lock_pins(text)
    version, line = pins["scikit-learn"]
    assert text.splitlines()[line - 1] == 'name = "scikit-learn"'
    assert text.splitlines()[line] == f'version = "{version}"'
    assert "pytest" in pins and "flask" in pins


@pytest.mark.slow
def test_deep_finds_a_uv_lock_that_no_longer_matches_pyproject(tmp_path: Path) -> None:
    root = shutil.copytree(UV_FIXTURE, tmp_path / "churn")
    assert run(["-C", str(root), "init", "--no-lock"]).exit_code == 0
    assert not [f for f in diagnose(Location.find(root, None), deep=True).findings if f.kind == "stale-lock"]
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"joblib>=1.4",', '"joblib>=1.4",\n    "six",'))
    stale = [f for f in diagnose(Location.find(root, None), deep=True).findings if f.kind == "stale-lock"]
    assert [f.file.rsplit("/", 1)[-1] for f in stale] == ["uv.lock"]
    assert "`uv lock --check` fails" in stale[0].message
