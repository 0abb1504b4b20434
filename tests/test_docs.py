"""Documents generated from the code stay in step with it."""

from __future__ import annotations

import json
from pathlib import Path

from generator.spec.reference import with_reference
from generator.spec.schema import spec_schema

ROOT = Path(__file__).resolve().parent.parent


def test_readme_spec_reference_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert with_reference(readme) == readme, "run `make readme`"


def test_published_schema_is_current() -> None:
    published = json.loads((ROOT / "docs" / "ci-gen.schema.json").read_text())
    assert published == spec_schema(), "run `make readme`"


def test_every_spec_key_has_a_description() -> None:
    reference = with_reference((ROOT / "README.md").read_text())
    rows = [line for line in reference.splitlines() if line.startswith("| `")]
    assert rows
    assert [row for row in rows if row.endswith("|  |")] == []


def test_readme_example_graph_is_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_readme", ROOT / "scripts" / "update_readme.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text()
    assert module.with_graph(readme, module.example_graph()) == readme, "run `make readme`"
