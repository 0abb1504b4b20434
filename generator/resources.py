"""Files that ship with ci-gen: built-in templates, pinned actions, tool versions, vendored schemas."""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

_SOURCE_TEMPLATES = Path(__file__).resolve().parent.parent / "workflow_templates"


def builtin_templates_dir() -> Path:
    """The built-in templates: inside the wheel once installed, at the repository top in a checkout."""
    packaged = resources.files("generator") / "workflow_templates"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return _SOURCE_TEMPLATES


def data_file(name: str) -> Traversable:
    return resources.files("generator") / "data" / name


@cache
def load_json(name: str) -> Any:
    return json.loads(data_file(name).read_text(encoding="utf-8"))


def action_pins() -> dict[str, dict[str, Any]]:
    """Pinned actions: name -> {version, sha, inputs, runs}."""
    pins: dict[str, dict[str, Any]] = load_json("actions.json")
    return pins


def tool_versions() -> dict[str, str]:
    versions: dict[str, str] = load_json("tools.json")
    return versions
