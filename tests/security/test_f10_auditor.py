"""Finding 10 (low): registry credentials outside an environment.

On main `zizmor --persona=auditor` found secrets-outside-env in the publish job of the three-stages case
(a registry other than ghcr.io, logged in with REGISTRY_USERNAME/REGISTRY_PASSWORD). That job now runs in
the `registry` environment. The example and the cases with secrets pass the auditor persona; every golden
case does too, in tests/test_workflow_linters.py."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers import EXAMPLE, GOLDEN, WORKFLOWS
from tests.test_workflow_linters import run, tool

CASES = [EXAMPLE, GOLDEN / "three-stages" / "expected", GOLDEN / "kubernetes-kubeconfig" / "expected"]


def test_jobs_that_read_secrets_run_in_an_environment() -> None:
    for folder in CASES:
        for path in sorted((folder / WORKFLOWS).glob("*.yml")):
            for name, job in yaml.safe_load(path.read_text())["jobs"].items():
                uses_secrets = "secrets." in yaml.safe_dump(job).replace("secrets.GITHUB_TOKEN", "")
                assert not uses_secrets or job.get("environment"), f"{path}: job {name}"


def test_the_auditor_persona_finds_nothing() -> None:
    files = [str(p) for folder in CASES for p in sorted((folder / WORKFLOWS).glob("*.yml"))]
    result = run([tool("zizmor"), "--offline", "--no-progress", "--persona=auditor", *files], Path.cwd())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout
