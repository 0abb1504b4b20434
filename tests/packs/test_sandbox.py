"""A pack's templates run in the same sandbox as every template: Python internals stay out of reach,
and the plan and the pack's inputs cannot be changed. The packs come from a local git repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run, snapshot
from tests.packs.conftest import git, make_project

ESCAPES = {
    "string-class": "''.__class__",
    "subclasses": "''.__class__.__mro__[1].__subclasses__()",
    "plan-globals": "plan.__init__.__globals__",
    "cycler-os": "cycler.__init__.__globals__.os",
    "bound-self": "plan.python_matrix.__len__.__self__.__class__",
    "input-class": 'packs["sandboxed"].inputs.__class__.__mro__',
    "input-dict": 'packs["sandboxed"].inputs.runner.__class__.__subclasses__()',
}
MUTATIONS = {
    "plan": "{% set _ = plan.uses.clear() %}",
    "inputs": '{% set _ = packs["sandboxed"].inputs.update({"runner": "x"}) %}',
    "inputs-list": '{% set _ = packs["sandboxed"].inputs.labels.append("x") %}',
}
MANIFEST = """name: sandboxed
version: "1.0.0"
inputs:
  type: object
  properties:
    runner: {type: string, default: ubuntu-latest}
    labels: {type: array, items: {type: string}, default: [a]}
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One repository, one folder per hostile pack, one commit."""
    repo = tmp_path_factory.mktemp("hostile-packs")
    for name, body in {**ESCAPES, **{f"mutate-{k}": v for k, v in MUTATIONS.items()}}.items():
        folder = repo / name / "templates"
        folder.mkdir(parents=True)
        (repo / name / "pack.yaml").write_text(MANIFEST)
        expression = body if body.startswith("{%") else "{{ " + body + " }}"
        (folder / "ci-gen.yml.j2").write_text(
            '{% extends "builtin/ci-gen.yml.j2" %}\n{% block test_steps %}\n'
            f"      - run: {expression}\n{{% endblock %}}\n"
        )
    git(repo, "init", "--quiet", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "hostile packs")
    return repo, git(repo, "rev-parse", "HEAD")


@pytest.mark.parametrize("case", [*ESCAPES, *(f"mutate-{k}" for k in MUTATIONS)])
def test_a_pack_cannot_leave_the_sandbox(platform: tuple[Path, str], tmp_path: Path, case: str) -> None:
    repo, commit = platform
    root = make_project(
        tmp_path / "repo", f"  - {{pack: sandboxed, git: {repo}, commit: {commit}, path: {case}}}\n"
    )
    before = snapshot(root)
    result = run(["-C", str(root), "generate"])
    assert result.exit_code == 2, result.output
    assert ":3: template error: " in result.stderr
    assert any(word in result.stderr for word in ("SecurityError", "UndefinedError")), result.stderr
    assert "/templates/ci-gen.yml.j2:3:" in result.stderr  # the pack's own file and line
    assert snapshot(root) == before
