"""A real pack, installed for real: the example pack (1.0.0) and a 1.1.0 of it, each `pip install`ed into
its own folder once per session; a test puts one on sys.path, where entry point discovery finds it.
Also a pack in a local git repository with two commits (1.0.0, then 1.1.0)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_PACK, pip_install
from tests.helpers import GOLDEN, copy_project

PACK_TEMPLATE = Path("src/acme_ml/templates/ci-gen.yml.j2")
PACK_LINE = '  - {pack: acme-ml, version: "~=1.0", with: {runner: ubuntu-24.04}}\n'


def bump(source: Path, destination: Path) -> Path:
    """The example pack as its owners would release 1.1.0: a new version and a longer timeout."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    pyproject = destination / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    template = destination / PACK_TEMPLATE
    template.write_text(template.read_text().replace("timeout-minutes: 5", "timeout-minutes: 10"))
    return destination


@dataclass(frozen=True)
class Sites:
    v1_0: Path
    v1_1: Path


@pytest.fixture(scope="session")
def pack_sites(tmp_path_factory: pytest.TempPathFactory, example_pack_site: Path) -> Sites:
    base = tmp_path_factory.mktemp("pack-sites")
    newer = bump(EXAMPLE_PACK, base / "acme-ml-1.1.0")
    return Sites(example_pack_site, pip_install(newer, base / "site-1.1"))


@pytest.fixture
def installed(pack_sites: Sites, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sites]:
    """acme-ml 1.0.0 installed (its folder first on sys.path); `use(site)` switches version."""
    monkeypatch.syspath_prepend(str(pack_sites.v1_0))
    yield pack_sites


def use(monkeypatch: pytest.MonkeyPatch, site: Path, instead_of: Path) -> None:
    """Upgrade the installed pack: the newer folder replaces the older one on sys.path."""
    monkeypatch.setattr(sys, "path", [str(site) if p == str(instead_of) else p for p in sys.path])
    import importlib

    importlib.invalidate_caches()


@pytest.fixture(autouse=True)
def pack_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own cache of git packs."""
    monkeypatch.setenv("CI_GEN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def make_project(destination: Path, templates: str = PACK_LINE) -> Path:
    """A small model repository whose spec uses the pack."""
    root = copy_project(GOLDEN / "minimal", destination)
    with (root / "ci-gen.yaml").open("a") as spec:
        spec.write("templates:\n" + templates)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo")


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    result = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env)
    return result.stdout.strip()


@dataclass(frozen=True)
class GitPack:
    repo: Path
    v1_0: str  # commit ids
    v1_1: str


@pytest.fixture(scope="session")
def git_pack(tmp_path_factory: pytest.TempPathFactory) -> GitPack:
    """A platform repository with the pack in packs/acme-ml: commit 1 is 1.0.0, commit 2 is 1.1.0."""
    repo = tmp_path_factory.mktemp("platform")
    folder = repo / "packs" / "acme-ml"
    shutil.copytree(
        EXAMPLE_PACK / "src" / "acme_ml", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    manifest = folder / "pack.yaml"
    manifest.write_text(manifest.read_text().replace("name: acme-ml\n", 'name: acme-ml\nversion: "1.0.0"\n'))
    git(repo, "init", "--quiet", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "acme-ml 1.0.0")
    first = git(repo, "rev-parse", "HEAD")
    manifest.write_text(manifest.read_text().replace('version: "1.0.0"', 'version: "1.1.0"'))
    template = folder / "templates" / "ci-gen.yml.j2"
    template.write_text(template.read_text().replace("timeout-minutes: 5", "timeout-minutes: 10"))
    git(repo, "commit", "--quiet", "-am", "acme-ml 1.1.0")
    return GitPack(repo, first, git(repo, "rev-parse", "HEAD"))


def git_line(pack: GitPack, commit: str) -> str:
    return f"  - {{pack: acme-ml, git: {pack.repo}, commit: {commit}, path: packs/acme-ml}}\n"
