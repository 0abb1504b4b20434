"""The Action's Python glue in pieces: inputs, workflow commands, outputs, reports, deploy pass-through."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from generator.action import summary
from generator.action.bootstrap import COMMANDS, ActionError, Inputs, set_output, workflow_command
from generator.action.run import HANDLERS, Context
from tests.action.runner import Evaluator, UnsupportedExpression, _read_outputs


def test_every_command_the_inputs_accept_has_a_handler() -> None:
    assert set(COMMANDS) == set(HANDLERS)


def test_workflow_commands_escape_what_would_end_or_inject_a_command() -> None:
    line = workflow_command("error", "50% done\r\n::warning::no", file="a,b:c.yml", line="3", col="")
    assert line == "::error file=a%2Cb%3Ac.yml,line=3::50%25 done%0D%0A::warning::no"
    assert "\n" not in line


def test_args_are_split_like_a_shell_but_never_expanded() -> None:
    env = {"CI_GEN_COMMAND": " deploy ", "CI_GEN_ARGS": "--stage 'blue green' --image $(touch x) \"a b\" *"}
    inputs = Inputs.from_env(env)
    assert inputs.command == "deploy"
    assert inputs.args == ("--stage", "blue green", "--image", "$(touch", "x)", "a b", "*")
    assert (inputs.spec, inputs.working_directory, inputs.spec_args) == ("ci-gen.yaml", ".", [])


def test_a_spec_other_than_the_default_is_passed_on() -> None:
    assert Inputs.from_env({"CI_GEN_SPEC": "ci/spec.yaml"}).spec_args == ["--spec", "ci/spec.yaml"]


def test_unbalanced_quotes_are_an_input_error() -> None:
    with pytest.raises(ActionError, match="cannot be split into words"):
        Inputs.from_env({"CI_GEN_ARGS": "--image 'x"})


def test_outputs_survive_newlines_and_equals_signs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    set_output("files", "a=1.yml\nb.yml")
    set_output("changed", "true")
    assert _read_outputs(output) == {"files": "a=1.yml\nb.yml", "changed": "true"}


def test_a_fence_outgrows_any_backticks_inside() -> None:
    assert summary.fenced("x ```` y", "diff") == "`````diff\nx ```` y\n`````\n"
    assert summary.code("a|b`c") == "``a\\|b`c``"


STAND_IN = """\
import json, os, sys
with open(os.environ["ARGV_LOG"], "w") as f:
    json.dump(sys.argv[1:], f)
print("deploying...")
with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as f:
    f.write("## Deploy report from the command\\n")
sys.exit(int(os.environ["EXIT_WITH"]))
"""


@pytest.mark.parametrize("code", [0, 1])
def test_deploy_passes_args_through_and_keeps_its_own_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: int
) -> None:
    # `ci-gen deploy` is built elsewhere and needs real targets; this stand-in holds the Action to the
    # contract it relies on: arguments verbatim, and a report appended to $GITHUB_STEP_SUMMARY.
    stand_in = tmp_path / "ci-gen"
    stand_in.write_text(f"#!{sys.executable}\n{STAND_IN}", encoding="utf-8")
    stand_in.chmod(0o755)
    monkeypatch.setenv("ARGV_LOG", str(tmp_path / "argv.json"))
    monkeypatch.setenv("EXIT_WITH", str(code))
    args = "--stage staging --image 'ghcr.io/o/r@sha256:abc'"
    inputs = Inputs.from_env({"CI_GEN_COMMAND": "deploy", "CI_GEN_ARGS": args, "CI_GEN_SPEC": "s.yaml"})
    result = HANDLERS["deploy"](Context(inputs, tmp_path, tmp_path, stand_in))
    argv = (tmp_path / "argv.json").read_text(encoding="utf-8")
    assert argv == '["deploy", "--spec", "s.yaml", "--stage", "staging", "--image", "ghcr.io/o/r@sha256:abc"]'
    assert (result.code, result.changed) == (code, code == 0)
    assert result.report == "## Deploy report from the command\n"
    out = capsys.readouterr().out
    stop, child, resume = out.splitlines()[:3]  # the child's output is never read as workflow commands
    assert stop.startswith("::stop-commands::") and child == "deploying..." and resume == f"::{stop[17:]}::"
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    expected = [
        "::error::ci-gen deploy exited 1: a check failed or the deploy rolled back; see the job summary"
    ]
    assert errors == (expected if code else [])


def test_the_simulated_runner_refuses_expressions_it_does_not_evaluate() -> None:
    evaluator = Evaluator({"spec": "x.yaml"}, "/action", {"install": {"python": "/venv/bin/python"}})
    assert (
        evaluator.substitute("${{ inputs.spec }} ${{ steps.install.outputs.python }}")
        == "x.yaml /venv/bin/python"
    )
    for expression in ("${{ github.sha }}", "${{ inputs.spec || 'x' }}", "${{ env.HOME }}"):
        with pytest.raises(UnsupportedExpression):
            evaluator.substitute(expression)
    with pytest.raises(UnsupportedExpression):
        evaluator.condition("always()")


def test_tracking_installs_mlflow_only_where_it_is_used() -> None:
    from generator.action.bootstrap import extra_locks

    tracking = Path("requirements") / "action-tracking.txt"
    assert tracking in extra_locks("track", {})
    assert tracking not in extra_locks("deploy", {})
    assert tracking not in extra_locks("deploy", {"MLFLOW_TRACKING_URI": " "})  # a secret a fork cannot read
    assert tracking in extra_locks("deploy", {"MLFLOW_TRACKING_URI": "https://mlflow.example"})
    assert all(tracking not in extra_locks(c, {"MLFLOW_TRACKING_URI": "x"}) for c in ("check", "generate"))
