"""The commented ci-gen.yaml `init` writes for what it detected. Every value goes through yaml_quote."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from generator.render.quote import yaml_quote

if TYPE_CHECKING:
    from generator.init import Detected

SCHEMA_COMMENT = "# yaml-language-server: $schema=.ci-gen.schema.json"


def spec_text(found: Detected) -> str:
    q = yaml_quote
    lines = [
        SCHEMA_COMMENT,
        "# Written by `ci-gen init` from this repository's files. After editing, run `ci-gen generate`.",
        "version: 1",
        f"project: {q(found.project)}",
        "",
        "# The one Python version for the lock, the tests and the container (add `also-test` for more).",
        f"python: {q(found.python)}",
        "",
        *_dependencies(found),
        "",
        "test:",
        f"  command: {q(found.test_command)}",
        *_install_project(found),
        "",
        *_model_section(found),
        *_container_section(found),
        *_deploy_section(found),
    ]
    return "\n".join(lines) + "\n"


def _dependencies(found: Detected) -> list[str]:
    deps = found.dependencies
    tool_note = (
        "uv reads uv.lock and dependency groups" if deps.lock_tool == "uv" else "or uv: same lock, faster"
    )
    lines = [
        "dependencies:",
        f"  lock-tool: {yaml_quote(deps.lock_tool)}  # {tool_note}",
        f"  runtime: {_inline(deps.runtime)}  # what the container installs",
    ]
    if deps.dev:
        lines.append(f"  dev: [{', '.join(_inline(d) for d in deps.dev)}]  # installed on top for tests")
    return lines


def _install_project(found: Detected) -> list[str]:
    installs = found.dependencies.install_project
    if installs is None:
        return []
    why = "a package: installed with --no-deps" if installs else "not a package (no build system to install)"
    return [f"  install-project: {'true' if installs else 'false'}  # {why}"]


def _inline(value: str | dict[str, Any]) -> str:
    if isinstance(value, str):
        return yaml_quote(value)
    items = ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items())
    return "{" + items + "}"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(yaml_quote(str(v)) for v in value) + "]"
    return yaml_quote(str(value))


def _model_section(found: Detected) -> list[str]:
    train = found.train_command or "python -m mymodel.train --out artifacts"
    return [
        "# Train and evaluate in CI, then gate on the metrics (uncomment and adapt the paths):",
        "# model:",
        f"#   train: {yaml_quote(train)}",
        '#   metrics: "artifacts/metrics.json"',
        '#   artifacts: ["artifacts"]',
        "#   gates:",
        '#     accuracy: ">= 0.90"',
        "",
    ]


def _container_section(found: Detected) -> list[str]:
    sample = (
        f"  sample-request: {yaml_quote(found.sample_request)}  # POSTed to predict-path in the smoke test"
        if found.sample_request
        else "  # sample-request: no request body could be derived from the tests or a request model;"
        " add a JSON file and name it here"
    )
    body = [
        "container:",
        f"  dockerfile: {yaml_quote(found.dockerfile or 'Dockerfile')}",
        f"  port: {found.port}  # the port the service listens on inside the container",
        f"  health-path: {yaml_quote(found.health_path)}",
        f"  predict-path: {yaml_quote(found.predict_path)}",
        sample,
        "",
    ]
    if found.dockerfile:
        return body
    return ["# No Dockerfile found; add one, then uncomment to build and smoke-test the image:"] + [
        f"# {line}" if line else "" for line in body
    ]


def _deploy_section(found: Detected) -> list[str]:
    lines = [
        "# Staged deployment on the main branch; each stage is basic, shadow or canary. The local target",
        "# runs the built image with podman (docker works too) behind a private nginx.",
        "deploy:",
        "  target: local",
        "  local:",
        "    runtime: podman",
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
    if found.dockerfile:
        return lines
    return [line if line.startswith("#") else f"# {line}" for line in lines]
