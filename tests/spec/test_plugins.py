"""pydantic's plugin lookup: answered without importlib.metadata when nothing declares a plugin, and left to
pydantic (which then loads the plugin) when something does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator.spec.plugins import _may_declare_plugins

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from pathlib import Path
from generator.spec.load import read_spec
read_spec(Path(sys.argv[1]), "ci-gen.yaml")
from pydantic.plugin._loader import get_plugins
seen = getattr(sys.modules.get("fake_plugin"), "SEEN", [])
print(json.dumps({"metadata": "importlib.metadata" in sys.modules, "plugins": len(list(get_plugins())),
                  "seen": seen}))
"""
PLUGIN = """
SEEN = []

class Plugin:
    def new_schema_validator(self, schema, schema_type, schema_type_path, schema_kind, config, settings):
        SEEN.append(schema_type_path.name)
        return None, None, None

plugin = Plugin()
"""


def probe(extra_path: Path | None = None) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(extra_path or ""), str(REPO)]))}
    spec = REPO / "example_project" / "ci-gen.yaml"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(spec)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def fake_plugin(site: Path, group: str = "pydantic") -> Path:
    site.mkdir(exist_ok=True)
    (site / "fake_plugin.py").write_text(PLUGIN)
    info = site / "fake_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\nfake = fake_plugin:plugin\n")
    return site


def test_no_plugin_no_importlib_metadata() -> None:
    assert probe() == {"metadata": False, "plugins": 0, "seen": []}


def test_an_installed_plugin_is_still_loaded_by_pydantic(tmp_path: Path) -> None:
    result = probe(fake_plugin(tmp_path / "site"))
    assert result["metadata"] is True
    assert result["plugins"] == 1
    assert "Spec" in result["seen"]  # type: ignore[operator]


def test_other_entry_point_groups_do_not_count(tmp_path: Path) -> None:
    assert not _may_declare_plugins([str(fake_plugin(tmp_path / "site", group="console_scripts"))])
    assert probe(tmp_path / "site")["metadata"] is False


def test_what_the_scan_cannot_read_is_left_to_pydantic(tmp_path: Path) -> None:
    archive = tmp_path / "packages.zip"
    with zipfile.ZipFile(archive, "w") as packages:
        packages.writestr("fake_plugin.py", PLUGIN)
    assert _may_declare_plugins([str(archive)])
    egg = tmp_path / "old.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    assert _may_declare_plugins([str(egg)])


@pytest.mark.parametrize("where", ["missing", "no-entry-points", "egg-info-file"])
def test_nothing_declared(tmp_path: Path, where: str) -> None:
    if where == "no-entry-points":
        (tmp_path / "x-1.0.dist-info").mkdir()
    if where == "egg-info-file":
        (tmp_path / "x-1.0.egg-info").write_text("Metadata-Version: 1.0\n")
    folder = tmp_path / "missing" if where == "missing" else tmp_path
    assert not _may_declare_plugins([str(folder)])
