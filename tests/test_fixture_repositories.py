"""Repositories ci-gen's authors did not shape for it (tests/fixtures/, modelled on common public layouts):
`ci-gen init` with zero edits, then validate, generate, the linters, and a real rehearsal of the lock and
test jobs (PyPI, pip --require-hashes, pytest). The bare Flask app follows the README's own-repo steps.

One pip/uv cache serves every rehearsal (the rehearsals' default cache, shared with the example's).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.location import Location
from generator.rehearse import RehearsalRequest, rehearse
from tests.helpers import run
from tests.test_workflow_linters import tool

FIXTURES = Path(__file__).parent / "fixtures"
README = Path(__file__).parents[1] / "README.md"

# What init must read from each repository: spec values by dotted path.
EXPECTED: dict[str, dict[str, Any]] = {
    "flask-gunicorn-pinned": {
        "python": "3.11",
        "dependencies.runtime": {"input": "requirements.txt", "hashes": True},  # after --add-hashes
        "dependencies.dev": ["requirements-dev.in"],
        "container.port": 5000,
        "container.health-path": "/",
        "container.predict-path": "/predict",
    },
    "fastapi-train-in-image": {
        "python": "3.12",
        "dependencies.runtime": "requirements.in",
        "dependencies.dev": ["requirements-dev.in"],
        "container.port": 80,
        "container.health-path": "/health",
        "container.sample-request": "samples/predict-request.json",
    },
    "uv-groups-old-pickle": {
        "python": "3.12",
        "dependencies.lock-tool": "uv",
        "dependencies.runtime": "uv.lock",
        "dependencies.dev": [{"input": "uv.lock", "groups": ["dev"]}],
        "test.install-project": False,
        "container.port": 8000,
        "container.health-path": "/healthz",
    },
    "poetry-service": {
        "python": "3.11",
        "dependencies.runtime": "pyproject.toml",
        "dependencies.dev": ["requirements-dev.in"],  # from [tool.poetry.group.dev.dependencies]
        "test.install-project": True,
        "container.port": 8080,
        "container.predict-path": "/tag",
    },
    "src-package-extras": {
        "python": "3.11",
        "dependencies.dev": [{"input": "pyproject.toml", "extras": ["test"]}],
        "container.health-path": "/readyz",
        "container.predict-path": "/v1/score",
    },
    "bare-flask": {
        "python": "3.12",
        "dependencies.runtime": "requirements.in",
        "container.port": 5000,
        "container.health-path": "/",
    },
}


def value(data: dict[str, Any], dotted: str) -> Any:
    for key in dotted.split("."):
        data = data[key]
    return data


def fresh_repository(name: str, tmp_path: Path) -> Path:
    """The fixture as a user's checkout: its own folder, one commit."""
    root = shutil.copytree(FIXTURES / name, tmp_path / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "the project as it was"], cwd=root, check=True)
    return root


def readme_steps() -> list[list[str]]:
    """The `ci-gen ...` lines of the README's "In your own model repository" block, in order."""
    section = README.read_text().split("In your own model repository:", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].split() for line in block.splitlines()]
    return [words[1:] for words in lines if words and words[0] == "ci-gen"]


def lint(root: Path) -> None:
    files = sorted(str(p) for p in (root / ".github" / "workflows").glob("*.yml"))
    checks = [
        [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color", *files],
        [tool("zizmor"), "--offline", "--no-progress", "--persona=pedantic", *files],
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
    ]
    for argv in checks:
        result = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{argv[0]}: {result.stdout}{result.stderr}"


def rehearse_lock_and_test(root: Path) -> None:
    result = rehearse(RehearsalRequest(location=Location.find(root, None), jobs=("lock", "test")))
    failure = result.failure
    assert result.ok, f"{failure[0].key} > {failure[1].name}:\n{failure[1].tail()}" if failure else ""
    assert [job.key.split(" ")[0] for job in result.jobs] == ["lock", "test"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_init_with_zero_edits_then_the_lock_and_test_jobs_pass(name: str, tmp_path: Path) -> None:
    root = fresh_repository(name, tmp_path)
    steps = readme_steps() if name == "bare-flask" else [["init"], ["validate"], ["generate"]]
    if name == "flask-gunicorn-pinned":  # the offer init and validate make, accepted
        steps[2:2] = [["lock", "--add-hashes"], ["validate"]]
    for argv in steps:
        result = run(["-C", str(root), *argv])
        assert result.exit_code == 0, f"ci-gen {' '.join(argv)}:\n{result.output}"
        assert "warning:" not in result.output, result.output
    spec = yaml.safe_load((root / "ci-gen.yaml").read_text())
    for dotted, expected in EXPECTED[name].items():
        assert value(spec, dotted) == expected, dotted
    assert ".ci-gen-state/" in (root / ".gitignore").read_text().splitlines()
    lint(root)
    if name != "bare-flask":
        rehearse_lock_and_test(root)


def test_the_readme_flow_is_what_the_bare_fixture_runs() -> None:
    assert readme_steps() == [["init"], ["validate"], ["generate"], ["rehearse", "lock", "test"]]


def test_doctor_names_both_scikit_learn_versions_of_the_old_pickle(tmp_path: Path) -> None:
    root = fresh_repository("uv-groups-old-pickle", tmp_path)
    assert run(["-C", str(root), "init", "--no-lock"]).exit_code == 0
    result = run(["-C", str(root), "doctor"])
    assert result.exit_code == 1, result.output
    assert re.search(
        r"models/churn\.joblib: model-versions: the model was pickled with scikit-learn 1\.5\.2; "
        r"the image installs scikit-learn==1\.9\.1 \(uv\.lock line \d+\)",
        result.output,
    ), result.output
    assert "1 mismatch found" in result.output
