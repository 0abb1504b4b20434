"""Deploying to a host the team owns: `runs-on` per stage and a state folder outside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.deploy.targets import Environment
from generator.deploy_plan import resolve_deploy_plans
from generator.errors import SpecError
from generator.plan import resolve_plan
from generator.spec.load import load_spec_text
from generator.spec.model import Spec

BASE = """\
version: 1
project: iris
python: "3.11"
container: {{}}
deploy:
  local: {{runtime: podman{state}}}
  stages:
    - name: production
      strategy: basic
{runs_on}
"""


def spec(runs_on: str = "", state: str = "") -> Spec:
    text = BASE.format(runs_on=f"      runs-on: {runs_on}" if runs_on else "", state=state)
    return load_spec_text(text, "ci-gen.yaml")[0]


def test_the_hosted_runner_is_the_default() -> None:
    assert resolve_plan(spec()).stages[0].runs_on == ("ubuntu-latest",)


def test_one_label_or_a_list() -> None:
    state = ", state-dir: /srv/ci-gen"
    assert resolve_plan(spec("prod-vm", state)).stages[0].runs_on == ("prod-vm",)
    plan = resolve_plan(spec("[self-hosted, linux, prod-vm]", state))
    assert plan.stages[0].runs_on == ("self-hosted", "linux", "prod-vm")


def test_a_hosted_image_label_keeps_the_state_in_the_checkout() -> None:
    assert resolve_plan(spec("ubuntu-24.04")).stages[0].runs_on == ("ubuntu-24.04",)


def test_a_self_hosted_stage_needs_an_absolute_state_folder() -> None:
    with pytest.raises(SpecError, match="state-dir to an absolute folder"):
        spec("[self-hosted, prod-vm]")


def test_the_absolute_state_folder_is_used_as_it_is(tmp_path: Path) -> None:
    loaded = spec("[self-hosted]", f", state-dir: {tmp_path}/state/")
    environment = Environment.of(resolve_deploy_plans(loaded)[0], loaded, tmp_path / "checkout")
    assert environment.folder == tmp_path / "state" / "production"


@pytest.mark.parametrize("folder", ["/", "/srv/../etc", "/srv/./x", "//srv", "/srv//x"])
def test_unclear_absolute_folders_are_refused(folder: str) -> None:
    with pytest.raises(SpecError, match="state-dir"):
        spec("[self-hosted]", f", state-dir: '{folder}'")
