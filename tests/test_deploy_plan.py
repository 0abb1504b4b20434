"""Each stage's deploy plan: the spec's defaults filled once, the stated values kept."""

from __future__ import annotations

from generator.defaults import HEALTH_TIMEOUT, KUBERNETES_HEALTH_TIMEOUT, STATE_DIR
from generator.deploy_plan import BasicPlan, CanaryPlan, ShadowPlan
from generator.plan import resolve_plan
from generator.spec.load import load_spec_text

SPEC = """\
version: 1
project: iris
python: "3.11"
container: {{port: 5000, health-path: /ready}}
deploy:
{deploy}"""


def stages(deploy: str):  # type: ignore[no-untyped-def]
    spec = load_spec_text(SPEC.format(deploy=deploy), "ci-gen.yaml")[0]
    return [stage.deploy for stage in resolve_plan(spec).stages]


def test_defaults_are_filled_for_every_strategy() -> None:
    basic, shadow, canary = stages(
        "  local: {runtime: podman}\n"
        "  stages: [{name: a, strategy: basic}, {name: b, strategy: shadow}, {name: c, strategy: canary}]\n"
    )
    assert basic.settings == BasicPlan(verify=60.0)
    assert shadow.settings == ShadowPlan(duration=300.0, mirror_percent=100)
    assert canary.settings == CanaryPlan(steps=(10, 50, 100), interval=300.0)
    assert (canary.state_dir, canary.state_folder) == (STATE_DIR, f"{STATE_DIR}/c")
    assert canary.health_timeout == HEALTH_TIMEOUT
    assert (canary.container_port, canary.health_path, canary.predict_path) == (5000, "/ready", "/predict")
    assert canary.gates.error_rate == "<= 0.01"


def test_stated_values_are_kept_and_each_environment_has_its_folder() -> None:
    first, second = stages(
        "  local: {runtime: podman, state-dir: deploys, health-timeout: 2m}\n"
        "  stages:\n"
        "    - name: canary-eu\n"
        "      environment: prod eu\n"
        "      strategy: canary\n"
        "      canary: {steps: [5, 100], interval: 30s}\n"
        "    - {name: basic-us, environment: prod-us, strategy: basic, basic: {verify: 10}}\n"
    )
    assert first.settings == CanaryPlan(steps=(5, 100), interval=30.0)
    assert second.settings == BasicPlan(verify=10.0)
    assert (first.state_folder, second.state_folder) == ("deploys/prod-eu", "deploys/prod-us")
    assert (first.environment_index, second.environment_index) == (0, 1)
    assert first.health_timeout == 120.0


def test_kubernetes_takes_its_own_timeout_and_state_folder() -> None:
    (stage,) = stages(
        "  target: kubernetes\n"
        "  kubernetes: {namespace: ml, gateway: public, prometheus-url: 'http://p:9090'}\n"
        "  stages: [{name: production, strategy: canary}]\n"
    )
    assert (stage.target, stage.health_timeout) == ("kubernetes", KUBERNETES_HEALTH_TIMEOUT)
    assert stage.local is None and stage.kubernetes is not None
    assert stage.state_folder == f"{STATE_DIR}/production"
