"""`ci-gen doctor`: each kind of dev/prod mismatch in a copy of a clean project, at its file and line."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.doctor import diagnose
from generator.location import Location
from generator.outputs import write
from generator.project import render_project
from tests.helpers import run

CLEAN = Path(__file__).parent / "clean"
EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the clean project with its workflows generated."""
    root = shutil.copytree(CLEAN, tmp_path / "shop")
    write(root, render_project(Location.find(root, None)).outputs)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


Mutation = Callable[[Path], object]
CASES: dict[str, tuple[Mutation, str, str, str, str]] = {
    # name: (mutation, kind, file, text on the reported line, words in the message)
    "dockerfile ARG default": (
        lambda p: edit(p / "Dockerfile", "PYTHON_VERSION=3.11", "PYTHON_VERSION=3.12"),
        "python-version",
        "Dockerfile",
        "ARG PYTHON_VERSION",
        "defaults to 3.12",
    ),
    "dockerfile FROM tag": (
        lambda p: edit(p / "Dockerfile", "python:${PYTHON_VERSION}-slim", "python:3.10-slim"),
        "python-version",
        "Dockerfile",
        "FROM",
        "FROM python:3.10-slim-bookworm (Python 3.10)",
    ),
    "lock header": (
        lambda p: edit(p / "requirements.txt", "with Python 3.11", "with Python 3.10"),
        "python-version",
        "requirements.txt",
        "with Python 3.10",
        "locked for Python 3.10",
    ),
    ".python-version": (
        lambda p: (p / ".python-version").write_text("3.12.1\n"),
        "python-version",
        ".python-version",
        "3.12",
        "developers get Python 3.12.1",
    ),
    "requires-python": (
        lambda p: edit(p / "pyproject.toml", ">=3.11", ">=3.12"),
        "python-version",
        "pyproject.toml",
        "requires-python",
        "excludes Python 3.11",
    ),
    "workflow matrix": (
        lambda p: edit(p / ".github/workflows/ci-gen.yml", '["3.11", "3.12"]', '["3.11", "3.10"]'),
        "python-version",
        ".github/workflows/ci-gen.yml",
        "python: [",
        "uses Python 3.10",
    ),
    "input not in lock": (
        lambda p: edit(p / "requirements.in", "flask", "requests>=2\nflask"),
        "stale-lock",
        "requirements.in",
        "requests",
        "requests is required here but not pinned",
    ),
    "pin outside the input's bounds": (
        lambda p: edit(p / "requirements.in", "flask>=3.0,<4", "flask>=4"),
        "stale-lock",
        "requirements.txt",
        "flask==",
        "flask==3.1.3 does not meet '>=4'",
    ),
    "dev lock ignores its constraint": (
        lambda p: edit(p / "requirements-dev.txt", "numpy==2.4.6", "numpy==2.3.0"),
        "stale-lock",
        "requirements-dev.txt",
        "numpy==2.3.0",
        "requirements.txt pins numpy==2.4.6",
    ),
    "lock missing": (
        lambda p: (p / "requirements-dev.txt").unlink(),
        "missing-lock",
        "requirements-dev.in",
        "",
        "requirements-dev.txt does not exist",
    ),
    "install without hashes": (
        lambda p: edit(p / "Dockerfile", "--require-hashes ", ""),
        "install-without-hashes",
        "Dockerfile",
        "RUN",
        "installs requirements.txt without --require-hashes",
    ),
    "install from the .in": (
        lambda p: edit(p / "Dockerfile", "-r requirements.txt", "-r requirements.txt -r requirements.in"),
        "unlocked-install",
        "Dockerfile",
        "RUN",
        "installs from requirements.in, which is not a lock file",
    ),
    "install a package by name": (
        lambda p: edit(p / "Dockerfile", "COPY . .", "RUN pip install --upgrade pip gunicorn\nCOPY . ."),
        "unlocked-install",
        "Dockerfile",
        "gunicorn",
        "installs gunicorn outside the lock",
    ),
    "install the project with its dependencies": (
        lambda p: edit(p / "Dockerfile", "COPY . .", "COPY . .\nRUN pip install ."),
        "unlocked-install",
        "Dockerfile",
        "RUN pip install .",
        "resolved at build time",
    ),
    "model trained with another scikit-learn": (
        lambda p: edit(
            p / "artifacts/model-metadata.json", '"scikit-learn": "1.9.1"', '"scikit-learn": "1.5.0"'
        ),
        "model-versions",
        "artifacts/model-metadata.json",
        "scikit-learn",
        "trained with scikit-learn 1.5.0, the image installs scikit-learn==1.9.1",
    ),
    "model trained on another Python": (
        lambda p: edit(p / "artifacts/model-metadata.json", '"3.11.7"', '"3.12.1"'),
        "model-versions",
        "artifacts/model-metadata.json",
        "python_version",
        "trained on Python 3.12.1",
    ),
    "EXPOSE": (
        lambda p: edit(p / "Dockerfile", "EXPOSE 8000", "EXPOSE 8080"),
        "container-port",
        "Dockerfile",
        "EXPOSE",
        "EXPOSE 8080, the spec's port is 8000",
    ),
    "ENV PORT": (
        lambda p: edit(p / "Dockerfile", "ENV PORT=8000", "ENV PORT=9000"),
        "container-port",
        "Dockerfile",
        "ENV PORT",
        "ENV PORT=9000",
    ),
    "HEALTHCHECK path": (
        lambda p: edit(p / "Dockerfile", ":8000/health", ":8000/healthz"),
        "health-path",
        "Dockerfile",
        "HEALTHCHECK",
        "probes /healthz, the spec's health-path is /health",
    ),
    "bind port": (
        lambda p: edit(p / "Dockerfile", "0.0.0.0:8000", "0.0.0.0:5000"),
        "container-port",
        "Dockerfile",
        'CMD ["gunicorn"',
        "listens on port 5000 (gunicorn --bind 0.0.0.0:5000)",
    ),
}


def test_the_clean_project_is_clean(project: Path) -> None:
    report = diagnose(Location.find(project, None))
    assert report.findings == []
    assert report.notes == ["no pickle or joblib model files found; no pickled model was inspected"]


@pytest.mark.parametrize("case", list(CASES))
def test_each_mismatch_is_found_where_it_is(project: Path, case: str) -> None:
    mutate, kind, file, on_line, words = CASES[case]
    mutate(project)
    findings = diagnose(Location.find(project, None)).findings
    assert [f.kind for f in findings].count(kind) >= 1, findings
    where = (project / file).resolve()
    finding = next(
        f for f in findings if f.kind == kind and words in f.message and Path(f.file).resolve() == where
    )
    expected_line = line_of(project / file, on_line) if on_line else None
    assert finding.line == expected_line
    assert finding.fix


def test_an_unlocked_image_is_reported_even_without_an_install_line(project: Path) -> None:
    edit(
        project / "Dockerfile",
        "RUN python -m pip install --require-hashes --no-deps -r requirements.txt\n",
        "",
    )
    findings = diagnose(Location.find(project, None)).findings
    assert [(f.kind, f.line) for f in findings] == [("unlocked-install", None)]
    assert "no RUN installs requirements.txt" in findings[0].message


def test_what_cannot_be_checked_is_said(project: Path) -> None:
    (project / "artifacts" / "model-metadata.json").unlink()
    report = diagnose(Location.find(project, None))
    assert report.findings == []
    assert any("train the model first" in note for note in report.notes)


def test_cli_text_json_and_exit_codes(project: Path) -> None:
    clean = run(["doctor", "-C", str(project)])
    assert clean.exit_code == 0
    assert "no mismatches found" in clean.output
    edit(project / "Dockerfile", "EXPOSE 8000", "EXPOSE 8080")
    edit(project / "requirements.txt", "with Python 3.11", "with Python 3.10")
    text = run(["doctor", "-C", str(project)])
    assert text.exit_code == 1
    assert re.search(
        r"Dockerfile:8: container-port: EXPOSE 8080, the spec's port is 8000\n    fix: ", text.output
    )
    assert "2 mismatches found" in text.output
    as_json = run(["doctor", "-C", str(project), "--json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert data["ok"] is False
    assert {f["kind"] for f in data["findings"]} == {"container-port", "python-version"}
    assert set(data["findings"][0]) == {"kind", "file", "line", "message", "fix"}


def test_a_bad_spec_exits_2(project: Path) -> None:
    edit(project / "ci-gen.yaml", "port: 8000", "port: eighty")
    result = run(["doctor", "-C", str(project)])
    assert result.exit_code == 2
    assert "ci-gen.yaml:16" in result.output


def test_uv_locks_say_what_cannot_be_checked() -> None:
    report = diagnose(Location.find(EXAMPLE, None))
    assert any("uv does not record the target Python" in note for note in report.notes)


def test_deep_recompiles_with_uv_and_finds_a_stale_lock(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example", ignore=shutil.ignore_patterns("artifacts", ".venv"))
    assert diagnose(Location.find(root, None), deep=True).findings == []
    edit(root / "requirements.in", "flask>=3.0,<4", "flask>=3.0,<4\nitsdangerous>=2.2")
    edit(root / "requirements.txt", "itsdangerous==", "its-dangerous==")  # now it looks unpinned
    findings = diagnose(Location.find(root, None), deep=True).findings
    kinds = sorted((f.kind, Path(f.file).name) for f in findings)
    assert ("stale-lock", "requirements.in") in kinds  # by content: itsdangerous is not pinned
    deep = next(f for f in findings if "recompiling" in f.message and f.file.endswith("/requirements.txt"))
    assert "+itsdangerous==" in deep.message


def test_pyproject_inputs_and_their_extras_are_checked(tmp_path: Path) -> None:
    golden = Path(__file__).resolve().parents[1] / "golden" / "pyproject"
    root = shutil.copytree(golden, tmp_path / "pyproject", ignore=shutil.ignore_patterns("expected"))
    (root / "requirements.txt").write_text("scikit-learn==1.9.1 \\\n    --hash=sha256:00\n")
    (root / "requirements-test.txt").write_text("scikit-learn==1.9.1 \\\n    --hash=sha256:00\n")
    findings = diagnose(Location.find(root, None)).findings
    assert [(f.kind, Path(f.file).name, f.line) for f in findings] == [("stale-lock", "pyproject.toml", 7)]
    assert findings[0].message == "pytest is required here but not pinned in requirements-test.txt"
