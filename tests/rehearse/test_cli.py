"""`ci-gen rehearse` prints each step with its time, the log tail of a failure and a summary table."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli


def invoke(root: Path, *args: str):
    cache = str(root.parent / "cache")
    return CliRunner().invoke(
        cli, ["rehearse", "-C", str(root), "--cache-dir", cache, *args], catch_exceptions=False
    )


def test_success_prints_steps_and_the_summary_table(tiny: Path) -> None:
    result = invoke(tiny, "--workflow", "features.yml", "--matrix", "flavour=salted")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("  ok ") and line.endswith("Make salted") for line in lines)
    assert "note: secrets.API_TOKEN is empty in a rehearsal" in lines
    assert "pushed: skipped (its `if:` is false or a job it needs did not run)" in result.output
    table = lines[lines.index(next(line for line in lines if line.startswith("job "))) : -1]
    assert [row.split()[0] for row in table[1:]] == ["produce", "consume", "drift", "pushed"]
    assert table[1].split()[-1] == "success" and table[-1].split()[-1] == "skipped"
    # After the table, the critical path of the longest workflow, from the times in the table.
    path = r"critical path [0-9.]+s: produce [0-9.]+s -> .+ \(one job at a time: [0-9.]+s\)"
    assert re.fullmatch(path, lines[-1])


def test_failure_exits_1_with_the_log_tail(tiny: Path) -> None:
    result = invoke(tiny, "--workflow", "failing.yml")
    assert result.exit_code == 1
    assert "  --- last lines of its log ---\n  about to fail" in result.output
    assert "rehearsal failed at first > Breaks" in result.output
    assert [row.split()[-2:] for row in result.output.splitlines() if row.startswith("second ")] == [
        ["not", "run"]
    ]


def test_unsupported_workflow_exits_2(tiny: Path) -> None:
    result = invoke(tiny, "--workflow", "unsupported.yml")
    assert result.exit_code == 2
    assert "unsupported.yml:9: the function fromJSON() is not supported by rehearse" in result.output


def test_missing_python_exits_3(tiny: Path) -> None:
    result = invoke(tiny, "--workflow", "python.yml", "missing")
    assert result.exit_code == 3
    assert "needs Python 3.99, which is not installed here" in result.output
    assert "hint: install it" in result.output


def test_bad_pairs_exit_2(tiny: Path) -> None:
    result = invoke(tiny, "--build-arg", "NOVALUE")
    assert result.exit_code == 2
    assert "--build-arg NOVALUE: expected NAME=VALUE" in result.output
