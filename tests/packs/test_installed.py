"""The example pack installed with pip (real entry point discovery): generate, check, inputs, locks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.render.header import split_header
from tests.cli.test_startup import HEAVY, PROBE
from tests.helpers import WORKFLOWS, run, snapshot
from tests.packs.conftest import PACK_LINE, Sites, make_project


def workflow(root: Path) -> str:
    return (root / WORKFLOWS / "ci-gen.yml").read_text()


def test_generate_and_check_with_the_pack(installed: Sites, project: Path) -> None:
    assert run(["-C", str(project), "generate"]).exit_code == 0
    text = workflow(project)
    header, body = split_header(text)
    assert header is not None and header.packs == "acme-ml==1.0.0"
    assert "  acme-lock-policy:\n    name: ACME policy - every locked package is pinned by hash\n" in body
    assert '    runs-on: "ubuntu-24.04"\n' in body  # the input, as a quoted scalar
    result = run(["-C", str(project), "check"])
    assert (result.exit_code, result.stdout) == (0, f"workflows are up to date with {project}/ci-gen.yaml\n")
    assert json.loads(run(["-C", str(project), "check", "--json"]).stdout)["quick"] is True  # headers suffice


def test_an_input_default_applies(installed: Sites, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", "  - {pack: acme-ml}\n")
    assert run(["-C", str(root), "generate"]).exit_code == 0
    assert "  acme-lock-policy:\n" in workflow(root)
    assert (
        '    runs-on: "ubuntu-latest"\n    permissions:\n      contents: read\n    timeout-minutes: 5\n'
        in workflow(root)
    )


def test_templates_list_names_the_pack(installed: Sites, project: Path) -> None:
    result = run(["-C", str(project), "templates", "list"])
    assert "ci-gen.yml.j2  [pack acme-ml 1.0.0] (overrides the built-in)\n" in result.stdout
    assert "    locked: acme_lock_policy\n" in result.stdout


@pytest.mark.parametrize("command", ["validate", "generate", "check"])
def test_an_input_of_the_wrong_type_is_refused_with_its_position(
    installed: Sites, tmp_path: Path, command: str
) -> None:
    root = make_project(tmp_path / "repo", "  - pack: acme-ml\n    with:\n      runner: 3\n      runer: x\n")
    before = snapshot(root)
    result = run(["-C", str(root), command])
    assert result.exit_code == 2
    assert (
        'ci-gen.yaml:7:15: templates[0].with.runner: expected a string, got 3; quote it: "3"\n'
        in result.stderr
    )
    assert (
        "ci-gen.yaml:8:7: templates[0].with.runer: pack acme-ml has no input 'runer' "
        "(did you mean 'runner'?)\n" in result.stderr
    )
    assert snapshot(root) == before


def test_an_input_outside_its_pattern_is_refused(installed: Sites, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", '  - {pack: acme-ml, with: {runner: "a b"}}\n')
    result = run(["-C", str(root), "validate"])
    assert result.exit_code == 2
    assert "ci-gen.yaml:5:36: templates[0].with.runner: 'a b' does not match" in result.stderr


def test_a_version_the_spec_does_not_accept(installed: Sites, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", '  - {pack: acme-ml, version: ">=2"}\n')
    result = run(["-C", str(root), "validate"])
    assert result.exit_code == 2
    assert (
        "ci-gen.yaml:5:30: templates[0].version: acme-ml 1.0.0 is installed; the spec accepts >=2 "
        "(pip install 'acme-ml>=2', or change version:)\n" in result.stderr
    )


def test_a_pack_that_is_not_installed(installed: Sites, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", "  - {pack: acme-mll}\n")
    result = run(["-C", str(root), "validate"])
    assert result.exit_code == 2
    assert "ci-gen.yaml:5:12: templates[0].pack: no installed pack 'acme-mll' (did you mean 'acme-ml'?)" in (
        result.stderr
    )


def test_a_misspelt_key_of_a_pack_entry(installed: Sites, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", '  - {pack: acme-ml, vesion: "~=1.0"}\n')
    result = run(["-C", str(root), "validate"])
    assert (
        "ci-gen.yaml:5:21: templates[0].vesion: unknown key 'vesion' (did you mean 'version'?)\n"
        in result.stderr
    )


EXTENDS = '{% extends "packs/acme-ml/ci-gen.yml.j2" %}\n'
OVERRIDES = {
    "replaces": (
        EXTENDS + "{% block acme_lock_policy %}\n  other: {}\n{% endblock %}\n",
        "ci-templates/ci-gen.yml.j2:2: block 'acme_lock_policy' is locked by pack acme-ml 1.0.0",
    ),
    "empties": (
        EXTENDS + "\n{#- gone -#}{%block   acme_lock_policy-%}{%endblock%}\n",
        "ci-templates/ci-gen.yml.j2:3: block 'acme_lock_policy' is locked by pack acme-ml 1.0.0",
    ),
    "encloses": (
        EXTENDS + "{% block extra_jobs %}{% endblock %}\n",
        "ci-templates/ci-gen.yml.j2:2: block 'extra_jobs' encloses 'acme_lock_policy', "
        "which is locked by pack acme-ml 1.0.0",
    ),
    "drops": (
        '{% extends "builtin/ci-gen.yml.j2" %}\n'
        '{% block test_steps %}\n      - run: "true"\n{% endblock %}\n',
        "ci-templates/ci-gen.yml.j2:1: replaces ci-gen.yml.j2 of pack acme-ml 1.0.0 (extends "
        "'builtin/ci-gen.yml.j2'), dropping its locked blocks acme_lock_policy; "
        'start it with {% extends "packs/acme-ml/ci-gen.yml.j2" %}',
    ),
}


@pytest.mark.parametrize("command", ["validate", "generate", "check"])
@pytest.mark.parametrize("case", sorted(OVERRIDES))
def test_an_override_of_a_locked_block_is_refused(
    installed: Sites, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, command: str
) -> None:
    root = make_project(tmp_path / "repo", "  - ci-templates\n" + PACK_LINE)
    (root / "ci-templates").mkdir()
    (root / "ci-templates" / "ci-gen.yml.j2").write_text(OVERRIDES[case][0])
    monkeypatch.chdir(root)
    before = snapshot(root)
    result = run([command])
    assert result.exit_code == 2, result.stdout
    assert OVERRIDES[case][1] + "\n" in result.stderr
    assert "hint: change the pack's inputs instead, or ask its owners to open a block" in result.stderr
    assert snapshot(root) == before


def test_an_override_that_keeps_the_locked_block_is_fine(installed: Sites, tmp_path: Path) -> None:
    root = make_project(tmp_path / "repo", "  - ci-templates\n" + PACK_LINE)
    (root / "ci-templates").mkdir()
    (root / "ci-templates" / "ci-gen.yml.j2").write_text(
        '{% extends "packs/acme-ml/ci-gen.yml.j2" %}\n{% block test_steps %}\n'
        "      - name: Run the tests verbosely\n        run: python -m pytest -v\n{% endblock %}\n"
    )
    assert run(["-C", str(root), "generate"]).exit_code == 0
    text = workflow(root)
    assert "run: python -m pytest -v\n" in text and "  acme-lock-policy:\n" in text


def test_the_fast_check_with_a_pack_imports_nothing_heavy(installed: Sites, project: Path) -> None:
    """A fresh interpreter with the pack installed: the header path reads entry_points.txt itself."""
    assert run(["-C", str(project), "generate"]).exit_code == 0
    heavy = (*HEAVY, "importlib.metadata", "email")
    code = PROBE.replace("HEAVY", repr(heavy)).replace("name.split('.')[0]", "name")
    code = code.replace('{name.split(".")[0] for name in sys.modules}', "set(sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(installed.v1_0)}
    result = subprocess.run(
        [sys.executable, "-c", code, "-C", str(project), "check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {"exit": 0, "heavy": []}
    assert result.stdout.startswith("workflows are up to date")
