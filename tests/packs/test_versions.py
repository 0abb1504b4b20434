"""A new pack version: `check` says the pack changed (not the spec, not a hand edit); `upgrade` applies it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.render.header import split_header
from tests.helpers import WORKFLOWS, run, snapshot
from tests.packs.conftest import GitPack, Sites, git_line, make_project, use


def test_a_new_installed_version_is_reported_as_a_pack_change(
    installed: Sites, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["-C", str(project), "generate"]).exit_code == 0
    use(monkeypatch, installed.v1_1, instead_of=installed.v1_0)
    result = run(["-C", str(project), "check"])
    assert result.exit_code == 1
    assert "-    timeout-minutes: 5\n+    timeout-minutes: 10\n" in result.stdout
    assert (
        ".github/workflows/ci-gen.yml: pack changed: a pack it uses changed version since it was generated "
        "(acme-ml 1.0.0 -> 1.1.0)\n" in result.stderr
    )
    assert "stale" not in result.stderr and "edited by hand" not in result.stderr
    report = json.loads(run(["-C", str(project), "check", "--json"]).stdout)
    assert {(f["state"], f["detail"]) for f in report["files"]} == {
        ("pack changed", "acme-ml 1.0.0 -> 1.1.0")
    }
    assert report["quick"] is False  # the new version's files no longer match the headers' digest


def test_a_spec_change_and_a_hand_edit_are_not_pack_changes(installed: Sites, project: Path) -> None:
    assert run(["-C", str(project), "generate"]).exit_code == 0
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("ubuntu-24.04", "ubuntu-22.04"))
    drift = run(["-C", str(project), "check"]).stderr
    assert ".github/workflows/ci-gen.yml: stale: the spec or templates changed" in drift
    assert "pack changed" not in drift
    workflow = project / WORKFLOWS / "ci-gen-drift.yml"
    workflow.write_text(workflow.read_text() + "# hand\n")
    drift = run(["-C", str(project), "check"]).stderr
    assert ".github/workflows/ci-gen-drift.yml: edited by hand" in drift


def test_upgrade_shows_the_diff_then_writes_it(
    installed: Sites, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["-C", str(project), "generate"]).exit_code == 0
    use(monkeypatch, installed.v1_1, instead_of=installed.v1_0)
    before = snapshot(project)
    shown = run(["-C", str(project), "templates", "upgrade"])
    assert shown.exit_code == 0
    assert "-    timeout-minutes: 5\n+    timeout-minutes: 10\n" in shown.stdout
    assert "2 workflow file(s) change (acme-ml 1.0.0 -> 1.1.0)\n" in shown.stderr
    assert snapshot(project) == before  # showing writes nothing
    written = run(["-C", str(project), "templates", "upgrade", "--write"])
    assert written.exit_code == 0
    assert written.stdout.endswith(
        "updated .github/workflows/ci-gen-drift.yml\nupdated .github/workflows/ci-gen.yml\n"
    )
    assert run(["-C", str(project), "check"]).exit_code == 0
    header = split_header((project / WORKFLOWS / "ci-gen.yml").read_text())[0]
    assert header is not None and header.packs == "acme-ml==1.1.0"


def test_upgrade_widens_a_version_that_excludes_the_installed_one(
    installed: Sites, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "repo", '  - pack: acme-ml\n    version: "~=1.0.0"\n')
    assert run(["-C", str(root), "generate"]).exit_code == 0
    use(monkeypatch, installed.v1_1, instead_of=installed.v1_0)
    assert run(["-C", str(root), "check"]).exit_code == 2  # 1.1.0 is outside ~=1.0.0: refused, not guessed
    shown = run(["-C", str(root), "templates", "upgrade"])
    assert '-    version: "~=1.0.0"\n+    version: "~=1.1"\n' in shown.stdout
    assert run(["-C", str(root), "templates", "upgrade", "--write"]).exit_code == 0
    assert '    version: "~=1.1"\n' in (root / "ci-gen.yaml").read_text()
    assert run(["-C", str(root), "check"]).exit_code == 0


def test_a_pack_from_git_pinned_by_commit(git_pack: GitPack, tmp_path: Path, pack_cache: Path) -> None:
    root = make_project(tmp_path / "repo", git_line(git_pack, git_pack.v1_0))
    assert run(["-C", str(root), "generate"]).exit_code == 0
    header = split_header((root / WORKFLOWS / "ci-gen.yml").read_text())[0]
    assert header is not None and header.packs == f"acme-ml==1.0.0@{git_pack.v1_0}"
    assert "    timeout-minutes: 5\n" in (root / WORKFLOWS / "ci-gen.yml").read_text()
    assert run(["-C", str(root), "check"]).exit_code == 0
    assert [p.name.split("-")[0] for p in (pack_cache / "packs").iterdir()] == [
        f"acme@{git_pack.v1_0}"[:0] + "acme"
    ]


def test_a_git_pack_bump_is_detected_and_applied(git_pack: GitPack, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", git_line(git_pack, git_pack.v1_0))
    assert run(["-C", str(root), "generate"]).exit_code == 0
    shown = run(["-C", str(root), "templates", "upgrade"])  # to the repository's newest commit
    assert (
        f"-  - {{pack: acme-ml, git: {git_pack.repo}, commit: {git_pack.v1_0}, path: packs/acme-ml}}\n"
        in shown.stdout
    )
    assert (
        f'+  - {{pack: acme-ml, git: {git_pack.repo}, commit: "{git_pack.v1_1}", path: packs/acme-ml}}\n'
        in (shown.stdout)
    )
    assert f"(acme-ml 1.0.0 ({git_pack.v1_0[:12]}) -> 1.1.0 ({git_pack.v1_1[:12]}))" in shown.stderr
    assert run(["-C", str(root), "templates", "upgrade", "--write"]).exit_code == 0
    assert "    timeout-minutes: 10\n" in (root / WORKFLOWS / "ci-gen.yml").read_text()
    assert run(["-C", str(root), "check"]).exit_code == 0


def test_a_commit_bumped_by_hand_is_a_pack_change(git_pack: GitPack, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", git_line(git_pack, git_pack.v1_0))
    assert run(["-C", str(root), "generate"]).exit_code == 0
    spec = root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace(git_pack.v1_0, git_pack.v1_1))
    result = run(["-C", str(root), "check"])
    assert result.exit_code == 1
    assert "pack changed" in result.stderr and "-> 1.1.0" in result.stderr


def test_a_commit_that_is_not_there(git_pack: GitPack, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", git_line(git_pack, "f" * 40))
    result = run(["-C", str(root), "validate"])
    assert result.exit_code == 3
    column = len(f"  - {{pack: acme-ml, git: {git_pack.repo}, commit: ") + 1
    assert f"ci-gen.yaml:5:{column}: templates[0].commit: cannot fetch commit {'f' * 40}" in result.stderr


def test_a_git_pack_without_its_commit(tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", "  - {pack: acme-ml, git: ../platform}\n")
    result = run(["-C", str(root), "validate"])
    assert result.exit_code == 2
    assert "templates[0]: a pack from git must be pinned: add commit: <the 40-hex commit id>" in result.stderr
