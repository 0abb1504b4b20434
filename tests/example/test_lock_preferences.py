"""The lock job copies the committed lock to its output before compiling: that is what makes uv keep the
existing pins (it reads the output file as preferences), so the job checks freshness, not "newest"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.locking import LOCK_TOOLS, LockJob

UV = Path(sys.executable).parent / "uv"
OLD_CLICK = "click==8.1.7"


def compile_lock(folder: Path, output: Path) -> str:
    argv = LOCK_TOOLS["uv"].compile_argv(LockJob("requirements.in", "requirements.txt"), "3.11", str(output))
    result = subprocess.run(
        [str(UV), *argv[1:]],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    return output.read_text()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if not UV.is_file():
        pytest.fail(f"uv is not installed at {UV}; run `make setup`")
    (tmp_path / "requirements.in").write_text("click>=8.0\n")
    return tmp_path


def test_uv_keeps_the_pins_of_an_existing_output(project: Path) -> None:
    output = project / "out.txt"
    output.write_text(f"{OLD_CLICK}\n")  # what `cp "$LOCK_FILE" "$LOCK_OUT"` gives uv
    assert f"{OLD_CLICK} \\" in compile_lock(project, output)


def test_without_the_copy_uv_would_pick_the_newest(project: Path) -> None:
    text = compile_lock(project, project / "fresh.txt")
    assert "click==" in text and OLD_CLICK not in text
