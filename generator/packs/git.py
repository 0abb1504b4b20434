"""Fetch a pack from a git repository at one commit into ci-gen's cache (plain `git`, no GitHub API)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from generator.errors import CiGenError, UsageError
from generator.packs.locate import COMPLETE, git_pack_folder


class PackFetchError(CiGenError):
    """git could not fetch the pinned commit (network, access, or a commit that is not there)."""

    exit_code = 3


def fetch_git_pack(name: str, url: str, commit: str, path: str) -> Path:
    """The pack's folder at `commit`, fetched once and then served from the cache."""
    target = git_pack_folder(name, commit, url, path)
    if (target / COMPLETE).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as scratch:
        work = Path(scratch) / "tree"
        _checkout(url, commit, Path(scratch) / "git", work, path)
        pack = work / path
        if not pack.is_dir():
            raise UsageError(f"commit {commit} of {url} has no folder '{path}'", hint="fix path: in the spec")
        _refuse_links(pack)
        (pack / COMPLETE).write_text(f"{url}\n{commit}\n{path}\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        pack.rename(target)
    return target


def _checkout(url: str, commit: str, git_dir: Path, work: Path, path: str) -> None:
    work.mkdir()
    base = ["git", f"--git-dir={git_dir}", "-c", "core.symlinks=false", "-c", "advice.detachedHead=false"]
    _git(["git", "init", "--quiet", "--bare", str(git_dir)], url, commit)
    try:
        _git([*base, "fetch", "--quiet", "--depth=1", url, commit], url, commit)
    except PackFetchError:  # servers that refuse fetching by commit id: fetch everything, then pick it
        _git(
            [*base, "fetch", "--quiet", url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            url,
            commit,
        )
    _git([*base, f"--work-tree={work}", "checkout", "--quiet", "-f", commit, "--", path], url, commit)


def _git(argv: list[str], url: str, commit: str) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; packs from git need it") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.startswith(("fatal:", "error:"))]
        reason = lines[0].split(":", 1)[1].strip() if lines else result.stderr.strip() or "git failed"
        raise PackFetchError(f"cannot fetch commit {commit} of {url}: {reason}")


def _refuse_links(folder: Path) -> None:
    # core.symlinks=false turns links into plain files; anything else that is not a file or folder is refused.
    for path in folder.rglob("*"):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise UsageError(f"the pack contains {path.relative_to(folder)}, which is not a plain file")
