"""How the project trains its model: a train script or module, a console script, or a Dockerfile RUN."""

from __future__ import annotations

import re
from pathlib import Path

from generator.doctor import dockerfile

_RUN_TRAIN = re.compile(r"\bpython3?\s+(?:-m\s+([\w.]*train\w*)|([\w./-]*train\w*\.py))")
_SKIPPED = {"tests", "test", "node_modules", "site-packages"}


def training_command(root: Path, dockerfile_name: str | None) -> tuple[str, str] | None:
    """(command, where it was found): the image's own training step first, then train scripts."""
    in_image = _dockerfile_training(root, dockerfile_name)
    if in_image:
        return in_image
    for pattern in ("train.py", "scripts/train.py", "*/train.py", "src/*/train.py"):
        for path in sorted(root.glob(pattern)):
            if not set(path.relative_to(root).parts) & _SKIPPED:
                return _as_command(root, path), path.relative_to(root).as_posix()
    return None


def _dockerfile_training(root: Path, name: str | None) -> tuple[str, str] | None:
    if not name or not (root / name).is_file():
        return None
    for instruction in dockerfile.parse((root / name).read_text(encoding="utf-8", errors="replace")):
        match = _RUN_TRAIN.search(instruction.arguments) if instruction.keyword == "RUN" else None
        if match:
            command = f"python -m {match.group(1)}" if match.group(1) else f"python {match.group(2)}"
            return command, f"{name} line {instruction.line} (the image trains while it builds)"
    return None


def _as_command(root: Path, path: Path) -> str:
    relative = path.relative_to(root)
    parts = relative.with_suffix("").parts
    if parts[0] == "src" and (root / Path(*relative.parts[:2]) / "__init__.py").is_file():
        return "python -m " + ".".join(parts[1:])
    if len(parts) > 1 and (root / parts[0] / "__init__.py").is_file():
        return "python -m " + ".".join(parts)
    return f"python {relative.as_posix()}"
