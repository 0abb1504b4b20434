"""action.yml itself: valid for GitHub, clean for zizmor, the documented interface, pinned, no injection."""

from __future__ import annotations

import re

from generator.action.bootstrap import COMMANDS
from generator.resources import action_pins
from tests.action.runner import ACTION, ROOT, load_action
from tests.test_workflow_linters import run, tool


def test_action_fits_githubs_action_schema() -> None:
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    result = run([tool("zizmor"), "--offline", "--no-progress", "--persona=auditor", str(ACTION)], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


def test_inputs_and_outputs_are_the_documented_ones() -> None:
    action = load_action()
    assert set(action["inputs"]) == {"command", "spec", "working-directory", "args", "python-version"}
    assert set(action["outputs"]) == {"changed", "files", "report"}
    assert action["runs"]["using"] == "composite"
    for command in COMMANDS:
        assert command in action["inputs"]["command"]["description"]


def test_no_expression_inside_a_script() -> None:
    for step in load_action()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


def test_setup_python_is_pinned_like_generated_workflows() -> None:
    pin = action_pins()["actions/setup-python"]
    uses = re.findall(r"uses: (\S+ # \S+)", ACTION.read_text(encoding="utf-8"))
    assert uses == [f"actions/setup-python@{pin['sha']} # {pin['version']}"]


def test_the_docs_table_every_input_and_output_with_its_default() -> None:
    doc = (ROOT / "README.md").read_text(encoding="utf-8")
    action = load_action()
    for name, spec in action["inputs"].items():
        default = f"`{spec['default']}`" if spec["default"] else "empty"
        assert f"| `{name}` | {default} |" in doc, name
    for name in action["outputs"]:
        assert f"| `{name}` |" in doc, name


def test_shellcheck_passes_every_script(tmp_path) -> None:
    # actionlint does not read action.yml, so its scripts get shellcheck here.
    for index, step in enumerate(load_action()["runs"]["steps"]):
        if "run" in step:
            script = tmp_path / f"step{index}.sh"
            script.write_text(step["run"], encoding="utf-8")
            result = run([tool("shellcheck"), "--shell=bash", str(script)], ROOT)
            assert result.returncode == 0, result.stdout + result.stderr
