"""$GITHUB_OUTPUT and $GITHUB_ENV as GitHub reads them."""

from __future__ import annotations

from pathlib import Path

from generator.rehearse.files import StepFiles, parse_assignments


def test_parse_assignments() -> None:
    text = "a=1\nempty=\nurl=x=y\nblock<<EOF\nline 1\n\nline 3\nEOF\nafter=2\n"
    assert parse_assignments(text) == {
        "a": "1",
        "empty": "",
        "url": "x=y",
        "block": "line 1\n\nline 3",
        "after": "2",
    }


def test_step_files_are_created_empty_and_read_back(tmp_path: Path) -> None:
    files = StepFiles(tmp_path / "commands", 3)
    variables = files.create()
    assert sorted(variables) == ["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"]
    Path(variables["GITHUB_PATH"]).write_text("/opt/a\n\n/opt/b\n")
    Path(variables["GITHUB_ENV"]).write_text("X=1\n")
    assert files.path_entries() == ["/opt/a", "/opt/b"]
    assert files.env() == {"X": "1"}
    assert files.outputs() == {}
    assert files.summary() == ""
