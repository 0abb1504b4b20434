"""Repositories ci-gen's authors did not shape for it (tests/fixtures/, modelled on common public layouts):
`ci-gen init` with zero edits, then validate, generate, the linters, and a real rehearsal of the lock and
test jobs (PyPI, pip --require-hashes, pytest). The Flask + gunicorn service with its pickled model follows
the README's own-repo steps literally, up to two rehearsed pushes that build its image and deploy it
through both stages on the local target (podman, nginx).

One pip/uv cache serves every rehearsal (the rehearsals' default cache, shared with the example's).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.deploy.state import EnvState
from generator.location import Location
from generator.podman import containers_conf
from generator.rehearse import RehearsalRequest, rehearse
from tests.deploy.conftest import need
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


# The repository the README's own-repo steps are followed in: a real model service (a pickled
# scikit-learn classifier behind gunicorn, on a port of its own), with Python 3.11 like the stand-in.
README_FIXTURE = "flask-gunicorn-pinned"
PUSH = ["rehearse", "--event", "push", "--state-dir", ".ci-gen-state/rehearsals"]
ENVIRONMENTS = ("staging", "production")
BASE_IMAGE = "localhost/ci-gen-base:bookworm"
STAND_IN = "localhost/ci-gen-stand-in/python"


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


def commit(root: Path, message: str) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", message], cwd=root, check=True)


def podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=False, timeout=300)


def python_stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Docker Hub's python:3.11-slim cannot be pulled here, so podman resolves the short name `python` to
    a local stand-in (a registries.conf alias, for this test's podman only): Debian's Python 3.11 in a
    venv at /usr/local, so `pip` and `gunicorn` are on PATH as in the official image, trusting this
    machine's CA certificates as the official image trusts the public ones. Built once per machine.
    Returns the folder the rehearsals' scratch copies go to (to look for leftovers there)."""
    need("podman")
    monkeypatch.setenv("CONTAINERS_CONF", containers_conf())
    if podman("image", "exists", BASE_IMAGE).returncode != 0:
        message = f"{BASE_IMAGE} is missing: run scripts/ci-setup-podman.sh"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    if podman("image", "exists", f"{STAND_IN}:3.11-slim").returncode != 0:
        context = tmp_path / "stand-in"
        context.mkdir()
        shutil.copy(ca_bundle(), context / "ca-certificates.crt")
        (context / "Containerfile").write_text(
            f"FROM {BASE_IMAGE}\nCOPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"
            "RUN python3 -m venv /usr/local\n"
            "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1\n"
        )
        built = podman("build", "-q", "-t", f"{STAND_IN}:3.11-slim", str(context))
        assert built.returncode == 0, built.stderr
    registries = tmp_path / "registries.conf"
    registries.write_text(
        f'unqualified-search-registries = ["docker.io"]\n[aliases]\n"python" = "{STAND_IN}"\n'
    )
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(registries))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # rehearse's scratch folders go there
    return scratch


def ca_bundle() -> str:
    """The CA bundle this machine's pip trusts (PIP_CERT, else the system's)."""
    return os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt"


def kept_state(root: Path, environment: str) -> EnvState:
    path = root / ".ci-gen-state" / "rehearsals" / environment / "state.json"
    state = EnvState.model_validate_json(path.read_text())
    assert state.tracks == {} and state.router.pid is None and state.deploy is None, state
    return state


def assert_nothing_running(output: str, scratch: Path) -> None:
    """Every environment was taken down, and no container of the image, nor a process that runs in the
    rehearsal's scratch folder (nginx), is left; the scratch folder itself is gone."""
    for environment in ENVIRONMENTS:
        assert f"stopped the tracks and router of '{environment}'" in output, output
    names = podman("ps", "--all", "--format", "{{.Image}} {{.Names}}").stdout.splitlines()
    assert [n for n in names if n.startswith(f"ghcr.io/local/{README_FIXTURE}")] == []
    assert processes_in(scratch) == []
    assert list(scratch.glob("ci-gen-rehearse-*")) == []


def processes_in(folder: Path) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (
                (entry / "cmdline").read_bytes().decode(errors="replace") if entry.name.isdigit() else ""
            )
            cwd = str((entry / "cwd").readlink()) if cmdline else ""
        except OSError:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(cmdline.replace("\0", " "))
    return found


def remove_images(repository: str) -> None:
    listed = podman("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", f"reference={repository}")
    for reference in listed.stdout.split():
        podman("rmi", "--force", reference)


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


def check_init(name: str, root: Path, **changed: Any) -> None:
    """What init wrote, from the repository's own files (with `changed` values, by dotted path); then the
    linters on what generate wrote."""
    spec = yaml.safe_load((root / "ci-gen.yaml").read_text())
    for dotted, expected in {**EXPECTED[name], **changed}.items():
        assert value(spec, dotted) == expected, dotted
    assert ".ci-gen-state/" in (root / ".gitignore").read_text().splitlines()
    lint(root)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_init_with_zero_edits_then_the_lock_and_test_jobs_pass(name: str, tmp_path: Path) -> None:
    root = fresh_repository(name, tmp_path)
    steps = [["init"], ["validate"], ["generate"]]
    if name == "flask-gunicorn-pinned":  # the offer init and validate make, accepted
        steps[2:2] = [["lock", "--add-hashes"], ["validate"]]
    for argv in steps:
        result = run(["-C", str(root), *argv])
        assert result.exit_code == 0, f"ci-gen {' '.join(argv)}:\n{result.output}"
        assert "warning:" not in result.output, result.output
    check_init(name, root)
    rehearse_lock_and_test(root)


def test_the_readme_flow_is_what_the_readme_test_runs() -> None:
    assert readme_steps() == [["init"], ["validate"], ["generate"], ["rehearse", "lock", "test"], PUSH]


@pytest.mark.slow
def test_the_readme_flow_followed_literally_deploys_through_both_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's own-repo commands, run as written in a fresh checkout; the first rehearsed push installs
    the image in both environments (judged first), a second one after a commit promotes the new image
    through basic (staging) and the canary (production); nothing is left running after either."""
    need("nginx")
    scratch = python_stand_in(tmp_path, monkeypatch)
    root = fresh_repository(README_FIXTURE, tmp_path)
    monkeypatch.chdir(root)  # as a user types them: relative paths, no -C
    try:
        for argv in readme_steps():
            result = run(argv)
            assert result.exit_code == 0, f"ci-gen {' '.join(argv)}:\n{result.output}"
            assert "warning:" not in result.output, result.output
        # The README's steps do not take init's offer of `ci-gen lock --add-hashes`.
        check_init(
            README_FIXTURE, root, **{"dependencies.runtime": {"input": "requirements.txt", "hashes": False}}
        )
        first = {env: kept_state(root, env) for env in ENVIRONMENTS}
        assert all(s.stable is not None and s.history == [] for s in first.values()), first
        assert_nothing_running(result.output, scratch)

        app = root / "app.py"
        app.write_text(app.read_text().replace('"Classifier is up"', '"Classifier v2 is up"'))
        commit(root, "a new release")
        result = run(PUSH)
        assert result.exit_code == 0, result.output
        for env in ENVIRONMENTS:
            state = kept_state(root, env)
            assert [h["outcome"] for h in state.history] == ["promoted"], (env, state.history)
            assert state.stable is not None and state.stable != first[env].stable
        assert_nothing_running(result.output, scratch)
    finally:
        remove_images(f"ghcr.io/local/{README_FIXTURE}")


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
