"""`pip install .` works from a clean checkout: the wheel carries the templates, pins and schemas, and the
installed package renders the example project without the source tree anywhere on its path."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from generator.project import Location, render_project
from tests.helpers import EXAMPLE, REPO

PACKAGED = [
    "generator/workflow_templates/ci-gen.yml.j2",
    "generator/workflow_templates/_steps.j2",
    "generator/workflow_templates/ci-gen-drift.yml.j2",
    "generator/workflow_templates/ci-gen-monitor.yml.j2",
    "generator/workflow_templates/ci-gen-retrain.yml.j2",
    "generator/data/actions.json",
    "generator/data/tools.json",
    "generator/data/schemas/github-workflows.json",
    "generator/data/schemas/github-actions.json",
    "generator/data/podman/containers.conf",
]
# Runs in `python -S` (no site, so no .pth: the editable install of the source tree is invisible) with
# sys.path = [installed wheel, the dev venv's site-packages for click, jinja2, pydantic and the rest].
RENDER = """
import json, sys
from pathlib import Path
site, deps, example = sys.argv[1:4]
sys.path[:0] = [site, deps]
import generator
from generator.project import Location, render_project
from generator.resources import builtin_templates_dir
outputs = render_project(Location.find(Path(example), None)).outputs
found = {"package": generator.__file__, "templates": str(builtin_templates_dir())}
print(json.dumps({**found, "outputs": outputs}))
"""


def pip(*args: str, cwd: Path) -> None:
    argv = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), str(REPO), cwd=out)
    (built,) = out.glob("ci_gen-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_templates_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in PACKAGED if name not in names]
    assert not missing, f"not in the wheel: {missing}"
    assert any(name.endswith("entry_points.txt") for name in names)
    assert not any(name.startswith(("tests/", "example_project/")) for name in names)


@pytest.mark.slow
def test_installed_wheel_renders_without_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    pip("install", "--no-deps", "--no-index", "--target", str(site), str(wheel), cwd=tmp_path)
    deps = sysconfig.get_paths()["purelib"]
    argv = [sys.executable, "-S", "-c", RENDER, str(site), deps, str(EXAMPLE)]
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert Path(report["package"]).is_relative_to(site)
    assert Path(report["templates"]) == site / "generator" / "workflow_templates"
    source = render_project(Location.find(EXAMPLE, None)).outputs
    assert report["outputs"] == source  # byte for byte what the source tree renders
    committed = {path: (EXAMPLE / path).read_text() for path in source}
    stale = "example_project's workflows are stale: run `ci-gen -C example_project generate`"
    assert report["outputs"] == committed, stale
