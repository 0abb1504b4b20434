"""Find a local Python of the version a workflow asks for, and give a job a fresh venv of it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ToolMissingError

_VERSION = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: str  # e.g. 3.11.7


def find_python(wanted: str, where: str) -> Interpreter:
    """The first working interpreter whose version is `wanted` (3.11 or 3.11.7), or a clear error."""
    seen: list[str] = []
    for candidate in _candidates(wanted):
        if candidate in seen:
            continue
        seen.append(candidate)
        version = _version_of(candidate)
        if version and (version == wanted or version.startswith(wanted + ".")):
            return Interpreter(candidate, version)
    looked = ", ".join(seen) or f"python{_minor(wanted)} on PATH and ~/.pyenv/versions"
    raise ToolMissingError(
        f"{where}: the workflow needs Python {wanted}, which is not installed here (looked at: {looked})",
        hint=f"install it (e.g. `pyenv install {wanted}`, `uv python install {wanted}` or your OS package), "
        "then rehearse again",
    )


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _candidates(wanted: str) -> Iterator[str]:
    name = f"python{_minor(wanted)}"
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and (Path(folder) / name).is_file():
            yield str(Path(folder) / name)
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for root in sorted(pyenv.glob(f"{_minor(wanted)}*"), reverse=True):
        if (root / "bin" / name).is_file():
            yield str(root / "bin" / name)
    found = shutil.which(name, path="/usr/local/bin:/usr/bin")
    if found:
        yield found


def _version_of(executable: str) -> str | None:
    """The interpreter's version, or None when it does not run (e.g. a pyenv shim with no such version)."""
    try:
        result = subprocess.run(
            [executable, "-c", _VERSION], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def make_venv(
    interpreter: Interpreter, folder: Path, run: Callable[[list[str], Path], int], log: Path
) -> Path:
    """Create a fresh venv at `folder` (logged to `log`); fail clearly when the interpreter cannot."""
    shutil.rmtree(folder, ignore_errors=True)
    if run([interpreter.path, "-m", "venv", str(folder)], log) != 0:
        raise ToolMissingError(
            f"{interpreter.path} cannot create a venv (see {log})",
            hint=f"on Debian/Ubuntu: apt-get install python{_minor(interpreter.version)}-venv",
        )
    return folder
