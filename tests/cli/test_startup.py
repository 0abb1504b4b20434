"""The quick path stays quick: `ci-gen check` on an up-to-date project never imports the rendering stack.

Measured in a fresh interpreter, since the test process itself has imported everything long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, copy_project, run

HEAVY = ("pydantic", "pydantic_core", "jinja2", "jsonschema")
PROBE = """
import json, sys
from generator.cli import main
try:
    code = main(sys.argv[1:])  # the fast path returns; click exits
except SystemExit as exc:
    code = exc.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
print(json.dumps({"exit": code, "heavy": heavy}), file=sys.stderr)
"""


def probe(*args: str) -> tuple[dict[str, object], str]:
    code = PROBE.replace("HEAVY", repr(HEAVY))
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, check=False
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report, result.stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(EXAMPLE, tmp_path_factory.mktemp("startup") / "project")
    assert run(["-C", str(root), "generate"]).exit_code == 0
    return root


def test_check_on_an_up_to_date_project_imports_nothing_heavy(project: Path) -> None:
    report, stdout = probe("-C", str(project), "check")
    assert report == {"exit": 0, "heavy": []}
    assert stdout.startswith("workflows are up to date")


def test_check_through_click_imports_nothing_heavy_either(project: Path) -> None:
    report, stdout = probe("check", "-C", str(project), "--json")
    assert report == {"exit": 0, "heavy": []}
    assert json.loads(stdout)["quick"] is True


def test_version_imports_nothing_heavy() -> None:
    report, stdout = probe("--version")
    assert report == {"exit": 0, "heavy": []}
    assert stdout.startswith("ci-gen, version ")


def test_the_probe_sees_heavy_imports(project: Path) -> None:
    spec = project / "ci-gen.yaml"
    original = spec.read_text()
    spec.write_text(original + "# changed\n")
    try:
        report, _ = probe("-C", str(project), "check")
    finally:
        spec.write_text(original)
    assert report["exit"] == 1  # stale: the full path rendered, and the probe saw it
    # jsonschema is imported only to word the errors of an invalid workflow (the compiled schema judges).
    assert report["heavy"] == ["jinja2", "pydantic", "pydantic_core"]
