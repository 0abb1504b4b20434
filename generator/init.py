"""`ci-gen init`: look at a repository and write a short, commented ci-gen.yaml that fits it."""

from __future__ import annotations

import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.render.quote import yaml_quote

SCHEMA_FILE = ".ci-gen.schema.json"
# Editors with the YAML language server complete and check the spec against this file (`ci-gen schema`).
SCHEMA_COMMENT = f"# yaml-language-server: $schema={SCHEMA_FILE}"
DEV_INPUTS = ("requirements-dev.in", "requirements-test.in", "dev-requirements.in", "test-requirements.in")
DEV_EXTRAS = ("dev", "test", "tests", "testing")


@dataclass
class Detected:
    """What `init` found, each with the reason, so the user can see why the spec says what it says."""

    project: str
    python: str
    runtime: str | dict[str, Any] = "requirements.in"
    dev: list[Any] = field(default_factory=list)
    dockerfile: str | None = None
    has_tests: bool = False
    notes: list[str] = field(default_factory=list)


def detect(root: Path) -> Detected:
    pyproject = _read_pyproject(root)
    found = Detected(project=_project_name(root, pyproject), python=_python_version(root, pyproject))
    _detect_dependencies(root, pyproject, found)
    if (root / "Dockerfile").is_file():
        found.dockerfile = "Dockerfile"
    found.has_tests = (root / "tests").is_dir() or any(root.glob("test_*.py"))
    if not found.has_tests:
        found.notes.append("no tests/ folder or test_*.py found: the test job runs pytest, which needs tests")
    return found


def _read_pyproject(root: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    return data


def _project_name(root: Path, pyproject: dict[str, Any]) -> str:
    name = str(pyproject.get("project", {}).get("name") or root.resolve().name)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50].strip("-")
    return slug or "model"


def _python_version(root: Path, pyproject: dict[str, Any]) -> str:
    pinned = root / ".python-version"
    if pinned.is_file():
        match = re.match(r"\s*(3\.\d{1,2})", pinned.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    requires = str(pyproject.get("project", {}).get("requires-python", ""))
    match = re.search(r">=\s*(3\.\d{1,2})", requires)
    if match:
        return match.group(1)
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _detect_dependencies(root: Path, pyproject: dict[str, Any], found: Detected) -> None:
    if (root / "requirements.in").is_file():
        found.runtime = "requirements.in"
        found.dev = [name for name in DEV_INPUTS if (root / name).is_file()]
        return
    if pyproject.get("project", {}).get("dependencies") is not None:
        found.runtime = "pyproject.toml"
        extras = pyproject["project"].get("optional-dependencies", {})
        found.dev = [{"input": "pyproject.toml", "extras": [e]} for e in DEV_EXTRAS if e in extras][:1]
        return
    found.notes.append("no requirements.in or pyproject.toml dependencies found: create requirements.in")
    if (root / "requirements.txt").is_file():
        found.notes.append("requirements.txt exists: move its top-level packages into requirements.in")


def spec_text(found: Detected) -> str:
    """The commented spec for what was detected. Every value goes through yaml_quote."""
    q = yaml_quote
    lines = [
        SCHEMA_COMMENT,
        "# ci-gen turns this file into .github/workflows. After editing, run `ci-gen generate`.",
        "version: 1",
        f"project: {q(found.project)}",
        "",
        "# The one Python version for the lock, the tests and the container (add `also-test` for more).",
        f"python: {q(found.python)}",
        "",
        "dependencies:",
        "  lock-tool: pip-tools  # or uv: same lock format with hashes, much faster",
        f"  runtime: {_inline(found.runtime)}  # what the container installs",
    ]
    if found.dev:
        lines.append(f"  dev: [{', '.join(_inline(d) for d in found.dev)}]  # installed on top for tests")
    lines += [
        "",
        "test:",
        f"  command: {q('python -m pytest')}",
        "",
    ]
    lines += _model_section()
    lines += _container_section(found)
    lines += _deploy_section(found)
    return "\n".join(lines) + "\n"


def _inline(value: str | dict[str, Any]) -> str:
    if isinstance(value, str):
        return yaml_quote(value)
    items = ", ".join(f"{k}: {yaml_quote(v)}" for k, v in value.items())
    return "{" + items + "}"


def _model_section() -> list[str]:
    return [
        "# Train and evaluate in CI, then gate on the metrics (uncomment and adapt):",
        "# model:",
        '#   train: "python -m mymodel.train --out artifacts"',
        '#   evaluate: "python -m mymodel.evaluate --metrics artifacts/metrics.json"',
        '#   metrics: "artifacts/metrics.json"',
        '#   artifacts: ["artifacts"]',
        "#   gates:",
        '#     accuracy: ">= 0.90"',
        "",
    ]


def _container_section(found: Detected) -> list[str]:
    body = [
        "container:",
        f"  dockerfile: {yaml_quote(found.dockerfile or 'Dockerfile')}",
        "  port: 8000",
        '  health-path: "/health"',
        '  # sample-request: "samples/predict.json"  # POSTed to /predict in the smoke test',
        "",
    ]
    if found.dockerfile:
        return body
    return ["# No Dockerfile found; add one, then uncomment to build and smoke-test the image:"] + [
        f"# {line}" if line else "" for line in body
    ]


def _deploy_section(found: Detected) -> list[str]:
    prefix = "" if found.dockerfile else "# "
    lines = [
        "# Staged deployment on the main branch; each stage is basic, shadow or canary:",
        "deploy:",
        "  stages:",
        "    - name: staging",
        "      strategy: basic",
        "    - name: production",
        "      strategy: canary",
        "      canary: {steps: [10, 50, 100], interval: 5m}",
        "      gates:",
        '        error-rate: "<= 0.01"',
        '        latency-p99-vs-stable: "<= 1.5"',
    ]
    return [f"{prefix}{line}" if not line.startswith("#") else line for line in lines]
