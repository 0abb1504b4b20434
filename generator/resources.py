"""Files that ship with ci-gen: built-in templates, pinned actions, tool versions, vendored schemas.

They are read relative to this package's folder, which is what importlib.resources would return for a
regular install or a checkout; doing it directly keeps `ci-gen check` from importing importlib.resources
(tens of milliseconds). Installing ci-gen as a zip archive is not supported.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

TYPE_CHECKING = False  # typing costs milliseconds `ci-gen check` does not have
if TYPE_CHECKING:
    from typing import Any

PACKAGE = Path(__file__).resolve().parent
# In a checkout the templates sit at the repository top; the wheel carries them inside the package.
_SOURCE_TEMPLATES = PACKAGE.parent / "workflow_templates"


def builtin_templates_dir() -> Path:
    """The built-in templates: inside the wheel once installed, at the repository top in a checkout."""
    packaged = PACKAGE / "workflow_templates"
    return packaged if packaged.is_dir() else _SOURCE_TEMPLATES


def data_file(name: str) -> Path:
    return PACKAGE / "data" / name


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
