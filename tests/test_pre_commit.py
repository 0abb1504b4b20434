"""The pre-commit hooks in .pre-commit-hooks.yaml, run by the real pre-commit.

pre-commit clones the hook repository at a commit, so uncommitted work would be invisible: the working
tree is copied into a temporary git repository and committed there. Installing the hooks' environment
(from PyPI) is the slow part. `pre-commit try-repo` always installs into a store of its own, so it runs
once; the other cases use a `.pre-commit-config.yaml` naming that commit, the way projects consume the
hooks, with PRE_COMMIT_HOME shared by this module so the environment is installed once for all of them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPEC = 'version: 1\nproject: hooked\npython: "3.12"\n'
RunHook = Callable[[Path, str], "subprocess.CompletedProcess[str]"]

pytestmark = pytest.mark.slow


def git_env(home: Path) -> dict[str, str]:
    identity = {"GIT_AUTHOR_NAME": "ci-gen tests", "GIT_AUTHOR_EMAIL": "tests@ci-gen.invalid"}
    identity |= {"GIT_COMMITTER_NAME": "ci-gen tests", "GIT_COMMITTER_EMAIL": "tests@ci-gen.invalid"}
    # No global or system git config (hooks, signing, templates) may leak into these repositories.
    isolated = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "PRE_COMMIT_HOME": str(home)}
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, **identity, **isolated, "PATH": path}


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def commit_all(repo: Path, env: dict[str, str], message: str) -> None:
    git(repo, env, "add", "--all")
    git(repo, env, "commit", "--quiet", "--no-verify", "--message", message)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """This working tree (tracked and new files, as git sees them) committed into a fresh repository."""
    env = git_env(home)
    listed = git(ROOT, env, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # tracked files deleted in the working tree are skipped
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, env, "init", "--quiet")
    commit_all(repo, env, "ci-gen under test")
    return repo


def make_project(repo: Path, home: Path) -> Path:
    """A git repository using ci-gen, its workflows generated and committed."""
    env = git_env(home)
    repo.mkdir()
    (repo / "ci-gen.yaml").write_text(SPEC, encoding="utf-8")
    (repo / "requirements.in").write_text("flask\n", encoding="utf-8")
    subprocess.run([str(BIN / "ci-gen"), "-C", str(repo), "generate"], check=True, capture_output=True)
    git(repo, env, "init", "--quiet")
    commit_all(repo, env, "project")
    return repo


@pytest.fixture
def project(tmp_path: Path, home: Path) -> Path:
    return make_project(tmp_path / "project", home)


def start(project: Path, home: Path, *args: str) -> subprocess.Popen[str]:
    argv = [str(BIN / "pre-commit"), *args, "--color", "never"]
    pipe = subprocess.PIPE
    return subprocess.Popen(argv, cwd=project, env=git_env(home), stdout=pipe, stderr=pipe, text=True)


def finish(child: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = child.communicate(timeout=300)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory, hook_repo: Path, home: Path) -> Path:
    """A consumer's config naming both hooks at the committed revision."""
    rev = git(hook_repo, git_env(home), "rev-parse", "HEAD").strip()
    hooks = "\n".join(f"      - id: {hook}" for hook in ("ci-gen-check", "ci-gen-generate"))
    path = tmp_path_factory.mktemp("config") / ".pre-commit-config.yaml"
    path.write_text(f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n{hooks}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def try_repo(
    tmp_path_factory: pytest.TempPathFactory, hook_repo: Path, config: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    """The two slow installs side by side: try-repo's own (on a clean project; its result is returned)
    and the shared store's, which every `run_hook` below then reuses."""
    clean = make_project(tmp_path_factory.mktemp("try-repo") / "project", home)
    warm = make_project(tmp_path_factory.mktemp("warm") / "project", home)
    trying = start(clean, home, "try-repo", str(hook_repo), "--all-files")
    installed = finish(start(warm, home, "install-hooks", "--config", str(config)))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return finish(trying)


@pytest.fixture
def run_hook(try_repo: subprocess.CompletedProcess[str], config: Path, home: Path) -> RunHook:
    def run(project: Path, hook: str) -> subprocess.CompletedProcess[str]:
        return finish(start(project, home, "run", "--config", str(config), "--all-files", hook))

    return run


def drift(project: Path, home: Path) -> None:
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace('"3.12"', '"3.11"'), encoding="utf-8")
    git(project, git_env(home), "add", "--all")


def test_try_repo_passes_both_hooks_on_a_clean_repository(try_repo: subprocess.CompletedProcess[str]) -> None:
    result = try_repo
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 2, result.stdout
    assert "ci-gen check" in result.stdout and "ci-gen generate" in result.stdout


def test_check_fails_with_the_diff_when_the_spec_changed(
    project: Path, run_hook: RunHook, home: Path
) -> None:
    drift(project, home)
    result = run_hook(project, "ci-gen-check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert '-          python-version: "3.12"' in result.stdout
    assert '+          python-version: "3.11"' in result.stdout
    assert "ci-gen generate" in result.stdout  # the fix command


def test_generate_fixes_the_drift(project: Path, run_hook: RunHook, home: Path) -> None:
    drift(project, home)
    generated = run_hook(project, "ci-gen-generate")
    # pre-commit fails a hook that changed files, so the developer reviews and stages them.
    assert generated.returncode == 1, generated.stdout + generated.stderr
    assert "files were modified by this hook" in generated.stdout
    assert '"3.11"' in (project / ".github" / "workflows" / "ci-gen.yml").read_text(encoding="utf-8")
    git(project, git_env(home), "add", "--all")
    checked = run_hook(project, "ci-gen-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_hooks_skip_unrelated_files(project: Path, run_hook: RunHook, home: Path) -> None:
    # Only README.md is tracked: the check hook must not even run (and so cannot fail).
    git(project, git_env(home), "rm", "--quiet", "-r", "ci-gen.yaml", ".github")
    (project / "README.md").write_text("hello\n", encoding="utf-8")
    commit_all(project, git_env(home), "unrelated")
    result = run_hook(project, "ci-gen-check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout.replace(".", "")
