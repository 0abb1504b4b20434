"""Finding 5 (low): what the Action prints must not become workflow commands or summary markup.

On main the lines of a failure's stderr and of the diff reached the log as they were (a `::warning::` in a
spec value or a template file name became a workflow command), group titles carried raw file names, and
the summary's table cells kept newlines and HTML. The log is read here the way the runner reads it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from generator.action.bootstrap import Inputs
from generator.action.run import Context, run_check
from tests.helpers import GOLDEN, copy_project
from tests.security.conftest import override_project

CI_GEN = Path(sys.executable).with_name("ci-gen")
HOSTILE = "x\n::warning::pwned <img src=https://evil.example/p.png>"


def runner_commands(log: str) -> list[str]:
    """Workflow commands as GitHub's runner finds them: lines starting (after spaces) with `::`, except
    between `::stop-commands::TOKEN` and `::TOKEN::`."""
    commands: list[str] = []
    resume = None
    for line in log.splitlines():
        text = line.lstrip()
        if resume is not None:
            resume = None if text == resume else resume
        elif text.startswith("::stop-commands::"):
            resume = f"::{text.removeprefix('::stop-commands::')}::"
        elif text.startswith("::"):
            commands.append(text)
    return commands


def outside_code(markdown: str) -> str:
    """The Markdown with fenced blocks and code spans removed: what GitHub would read as markup."""
    without_fences = re.sub(r"^(`{3,}).*?^\1$", "", markdown, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"(`+).*?\1", "", without_fences)


def check(project: Path, temp: Path) -> tuple[int, str]:
    inputs = Inputs.from_env({"CI_GEN_COMMAND": "check"})
    result = run_check(Context(inputs, project, temp, CI_GEN))
    return result.code, result.report


def test_a_spec_value_in_an_error_message_is_no_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(GOLDEN / "minimal", tmp_path / "project")
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("project: minimal", 'project: "x\\n::warning::pwned"'))
    code, _ = check(project, tmp_path)
    assert code == 2
    commands = runner_commands(capsys.readouterr().out)
    assert commands and all(c.startswith("::error") for c in commands), commands


def test_a_hostile_template_name_reaches_neither_log_nor_summary_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
    project = override_project(tmp_path, "minimal", {f"{HOSTILE}.yml.j2": workflow})
    code, report = check(project, tmp_path)
    assert code == 1
    commands = runner_commands(capsys.readouterr().out)
    names = {c[2:].split("::")[0].split(" ")[0] for c in commands}
    assert names <= {"group", "endgroup", "error"}, commands
    assert not any("pwned" in c.split("::", 2)[-1] and c.startswith("::warning") for c in commands)
    assert all("\n" not in c for c in commands)
    assert "<img" not in outside_code(report)
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    assert all(line.endswith("|") for line in rows), rows
