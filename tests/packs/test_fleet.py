"""`ci-gen fleet` over six repositories in six states, asserted row by row, in each output format."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.render.header import body_digest, split_header
from tests.helpers import WORKFLOWS, run
from tests.packs.conftest import Sites, use

CLEAN = Path(__file__).resolve().parents[1] / "doctor" / "clean"  # doctor finds nothing in it
NAMES = ["clean", "stale", "hand-edited", "invalid-spec", "older-pack", "no-spec"]


def repository(base: Path, name: str) -> Path:
    root = shutil.copytree(CLEAN, base / name)
    with (root / "ci-gen.yaml").open("a") as spec:
        spec.write('templates:\n  - {pack: acme-ml, version: "~=1.0"}\n')
    return root


@pytest.fixture
def fleet(installed: Sites, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Six checkouts; the platform has released acme-ml 1.1.0, which is what is installed now."""
    base = tmp_path / "fleet"
    roots = {name: repository(base, name) for name in NAMES}
    assert run(["-C", str(roots["older-pack"]), "generate"]).exit_code == 0  # with 1.0.0
    use(monkeypatch, installed.v1_1, instead_of=installed.v1_0)
    for name in ("clean", "stale", "hand-edited", "invalid-spec"):
        assert run(["-C", str(roots[name]), "generate"]).exit_code == 0
    spec = roots["stale"] / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("python train.py", "python train.py --seed 1"))
    workflow = roots["hand-edited"] / WORKFLOWS / "ci-gen.yml"
    workflow.write_text(workflow.read_text().replace("timeout-minutes: 10", "timeout-minutes: 60", 1))
    spec = roots["invalid-spec"] / "ci-gen.yaml"
    spec.write_text(
        spec.read_text().replace('python:\n  version: "3.11"', 'python:\n  version: "3.11"\n  verison: 2')
    )
    (roots["no-spec"] / "ci-gen.yaml").unlink()
    (base / "repos.txt").write_text("# the platform's repositories\n" + "".join(f"{n}\n" for n in NAMES))
    monkeypatch.chdir(base)
    return base


EXPECTED = [
    # repository, spec, pack, ci-gen, drift, doctor
    ("clean", "valid", "acme-ml 1.1.0", "0.1.0", "up to date", 0),
    ("stale", "valid", "acme-ml 1.1.0", "0.1.0", "stale", 0),
    ("hand-edited", "valid", "acme-ml 1.1.0", "0.1.0", "edited by hand", 0),
    ("invalid-spec", "invalid", "acme-ml 1.1.0", "0.1.0", "unknown", None),
    ("older-pack", "valid", "acme-ml 1.0.0 -> 1.1.0", "0.1.0", "pack changed", 0),
    ("no-spec", "no spec", "", "", "-", None),
]


def test_six_repositories_in_six_states(fleet: Path) -> None:
    """One fixture (it generates five repositories), every output format."""
    check_json(fleet)
    check_table(fleet)
    check_markdown_and_strict(fleet)


def check_json(fleet: Path) -> None:
    result = run(["fleet", "repos.txt", "--format", "json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    rows = [
        (r["path"], r["spec"], r["packs"], r["ci_gen"], r["drift"], r["doctor"])
        for r in report["repositories"]
    ]
    assert rows == EXPECTED
    invalid = report["repositories"][3]["problem"]
    assert invalid.startswith("invalid-spec/ci-gen.yaml:7:3: python.verison: unknown key 'verison'")
    assert report["summary"] == {
        "clean": 1,
        "stale": 1,
        "edited by hand": 1,
        "invalid spec": 1,
        "pack changed": 1,
        "no spec": 1,
    }


def check_table(fleet: Path) -> None:
    result = run(["fleet", *NAMES])
    assert result.stdout.splitlines() == [
        "repository    spec     pack                    ci-gen  drift           doctor",
        "clean         valid    acme-ml 1.1.0           0.1.0   up to date      0",
        "stale         valid    acme-ml 1.1.0           0.1.0   stale           0",
        "hand-edited   valid    acme-ml 1.1.0           0.1.0   edited by hand  0",
        "invalid-spec  invalid  acme-ml 1.1.0           0.1.0   unknown         -",
        "older-pack    valid    acme-ml 1.0.0 -> 1.1.0  0.1.0   pack changed    0",
        "no-spec       no spec  -                       -       -               -",
        "6 repositories: 1 clean; 1 edited by hand, 1 invalid spec, 1 no spec, 1 pack changed, 1 stale",
    ]


def check_markdown_and_strict(fleet: Path) -> None:
    result = run(["fleet", "repos.txt", "--format", "markdown", "--report", "fleet.md", "--strict"])
    assert result.exit_code == 1  # --strict: not every repository is clean
    assert (fleet / "fleet.md").read_text() == result.stdout
    lines = result.stdout.splitlines()
    assert lines[4:6] == [
        "| repository | spec | pack | ci-gen | drift | doctor |",
        "|---|---|---|---|---|---|",
    ]
    assert lines[10] == "| older-pack | valid | acme-ml 1.0.0 -> 1.1.0 | 0.1.0 | pack changed | 0 |"
    assert lines[-1].startswith("- `invalid-spec`: invalid-spec/ci-gen.yaml:7:3: python.verison: unknown key")
    assert run(["fleet", "clean", "--strict"]).exit_code == 0


def test_full_does_not_trust_a_recomputed_header(installed: Sites, tmp_path: Path) -> None:
    root = repository(tmp_path, "forged")
    assert run(["-C", str(root), "generate"]).exit_code == 0
    workflow = root / WORKFLOWS / "ci-gen.yml"
    header, body = split_header(workflow.read_text())
    assert header is not None
    forged = body.replace("contents: read", "contents: write", 1)
    workflow.write_text(workflow.read_text().replace(header.body, body_digest(forged)).replace(body, forged))
    assert run(["fleet", str(root), "--format", "json"]).exit_code == 0
    trusted = json.loads(run(["fleet", str(root), "--format", "json"]).stdout)["repositories"][0]
    rendered = json.loads(run(["fleet", str(root), "--format", "json", "--full"]).stdout)["repositories"][0]
    assert (trusted["drift"], rendered["drift"]) == ("up to date", "stale")


def test_the_command_as_installed_finds_the_pack_in_a_real_environment(
    installed: Sites, tmp_path: Path
) -> None:
    """The console script in a fresh process: entry points discovered from PYTHONPATH, not from this test."""
    root = repository(tmp_path, "one")
    env = {"PYTHONPATH": str(installed.v1_1), "PATH": str(Path(sys.executable).parent)}
    script = str(Path(sys.executable).parent / "ci-gen")
    assert subprocess.run([script, "-C", str(root), "generate"], env=env, check=False).returncode == 0
    result = subprocess.run(
        [script, "fleet", str(root)], env=env, capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines()[1].split()[1:] == [
        "valid",
        "acme-ml",
        "1.1.0",
        "0.1.0",
        "up",
        "to",
        "date",
        "0",
    ]
    checked = subprocess.run(
        [script, "-C", str(root), "check"], env=env, capture_output=True, text=True, check=False
    )
    assert (checked.returncode, checked.stdout) == (0, f"workflows are up to date with {root}/ci-gen.yaml\n")
