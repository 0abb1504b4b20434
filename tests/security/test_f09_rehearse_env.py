"""Finding 9 (low): rehearsed jobs inherited the whole host environment.

On main `ci-gen rehearse` handed every variable of the caller's shell (cloud credentials included) to
the repository's code in the jobs. Jobs now get an allow-list plus what the workflow sets; `--pass-env
NAME` adds a variable on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.rehearse.environment import base_environment
from tests.helpers import run
from tests.security.conftest import override_project

# A workflow whose one job fails when it can see the credential, and checks what its own env: sets.
PROBE = """\
name: probe
on: [push, pull_request]
permissions: {}
jobs:
  probe:
    runs-on: ubuntu-latest
    env:
      FROM_WORKFLOW: "yes"
    steps:
      - run: test "$FROM_WORKFLOW" = yes && test "${AWS_SECRET_ACCESS_KEY:-unset}" = "$EXPECTED"
        env:
          EXPECTED: {{ expected | q }}
"""


@pytest.mark.parametrize("passed", [False, True], ids=["allow-list", "pass-env"])
def test_a_rehearsed_job_sees_no_credentials_unless_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passed: bool
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    probe = PROBE.replace("{{ expected | q }}", '"hunter2"' if passed else '"unset"')
    project = override_project(tmp_path, "minimal", {"probe.yml.j2": probe})
    assert run(["-C", str(project), "generate"]).exit_code == 0
    extra = ["--pass-env", "AWS_SECRET_ACCESS_KEY"] if passed else []
    result = run(["-C", str(project), "rehearse", "--workflow", "probe.yml", "probe", *extra])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output and "probe" in result.output


def test_the_allow_list_keeps_what_tools_need(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "AZURE_CLIENT_SECRET", "GH_TOKEN", "NPM_TOKEN"):
        monkeypatch.setenv(name, "secret")
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.example/simple")
    env = base_environment()
    assert {"PATH", "HOME", "PIP_INDEX_URL"} <= env.keys()
    assert not {"GOOGLE_APPLICATION_CREDENTIALS", "AZURE_CLIENT_SECRET", "GH_TOKEN", "NPM_TOKEN"} & env.keys()
    assert base_environment(("GH_TOKEN",))["GH_TOKEN"] == "secret"
