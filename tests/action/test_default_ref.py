"""Generated workflows use the Action at DEFAULT_ACTION; that must be a commit of this repository with
action.yml in it, or every generated drift check and deploy would fail to start.

This fails until DEFAULT_ACTION is set to the first commit that carries action.yml (the lead sets it once
that commit exists). The suite runs in a git clone with full history, so the commit can be looked up.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.spec.model import DEFAULT_ACTION

ROOT = Path(__file__).resolve().parents[2]


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)


def test_default_action_names_a_repository_at_a_full_sha() -> None:
    name, _, sha = DEFAULT_ACTION.partition("@")
    assert name.count("/") == 1, "the Action is action.yml at the repository root: owner/repo@sha"
    assert len(sha) == 40 and all(c in "0123456789abcdef" for c in sha)


def test_default_action_is_a_commit_here_that_contains_action_yml() -> None:
    sha = DEFAULT_ACTION.partition("@")[2]
    assert git("cat-file", "-t", sha).stdout.strip() == "commit", f"{sha} is not a commit of this repository"
    found = git("cat-file", "-e", f"{sha}:action.yml")
    assert found.returncode == 0, f"commit {sha} has no action.yml: {found.stderr}"
