"""The runner on small hand-written workflows: environment, file commands, matrix, needs, if, artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import RehearseError, ToolMissingError, UsageError
from generator.rehearse import JobFinished, Notice, Outcome, StepFinished
from tests.rehearse.conftest import rehearse_tiny


def test_features_on_a_pull_request(tiny: Path) -> None:
    result, events = rehearse_tiny(tiny, "features.yml")
    assert result.ok, result.failure and result.failure[1].log
    assert [job.key for job in result.jobs] == [
        "produce (plain)",
        "produce (salted)",
        "consume",
        "drift",
        "pushed",
    ]
    plain = result.job("produce (plain)")
    assert plain.name == "Produce (plain)"
    make = plain.step("Make plain")
    assert make.outputs["word"] == "w-plain"
    assert make.outputs["multi"] == "line one\nline two"
    assert "levels: hello step plain pull_request" in make.log
    assert plain.step("Only on push").outcome is Outcome.SKIPPED
    assert plain.summary == "### summary plain\n"
    assert plain.outputs == {"word": "w-plain"}
    assert result.job("consume").outcome is Outcome.SUCCESS
    assert "up to date" in result.job("drift").step("The ci-gen Action").log
    assert result.job("pushed").outcome is Outcome.SKIPPED
    assert Notice("secrets.API_TOKEN is empty in a rehearsal") in events
    assert result.workdir is None


def test_a_push_to_the_deploy_branch_runs_the_push_only_parts(tiny: Path) -> None:
    result, _ = rehearse_tiny(tiny, "features.yml", event="push")
    assert result.ok
    assert result.job("produce (salted)").step("Only on push").outcome is Outcome.SUCCESS
    pushed = result.job("pushed")
    assert pushed.outcome is Outcome.SUCCESS
    assert "deploying refs/heads/main" in pushed.steps[0].log


def test_a_push_to_another_branch_does_not_trigger_the_workflow(tiny: Path) -> None:
    with pytest.raises(UsageError, match="no job 'consume' in the workflows a push runs"):
        rehearse_tiny(tiny, "features.yml", event="push", ref="refs/heads/feature", jobs=("consume",))


def test_named_jobs_bring_the_jobs_they_need_and_matrix_filters(tiny: Path) -> None:
    result, _ = rehearse_tiny(tiny, "features.yml", jobs=("consume",), matrix=(("flavour", "salted"),))
    assert [job.key for job in result.jobs] == ["produce (salted)", "consume"]
    assert result.ok


def test_bad_matrix_filters_and_job_names_are_usage_errors(tiny: Path) -> None:
    with pytest.raises(UsageError, match="no job has a matrix key 'python'"):
        rehearse_tiny(tiny, "features.yml", matrix=(("python", "3.11"),))
    with pytest.raises(UsageError, match="leaves no combination"):
        rehearse_tiny(tiny, "features.yml", matrix=(("flavour", "peppered"),))
    with pytest.raises(UsageError) as caught:
        rehearse_tiny(tiny, "features.yml", jobs=("consumer",))
    assert caught.value.hint == "did you mean 'consume'?"


def test_the_first_failure_stops_the_rehearsal_with_its_log(tiny: Path) -> None:
    result, events = rehearse_tiny(tiny, "failing.yml")
    assert not result.ok
    first = result.job("first")
    assert [s.outcome for s in first.steps] == [Outcome.SUCCESS, Outcome.FAILURE]
    assert first.steps[1].notes == ["exit code 3"]
    assert first.steps[1].tail() == "about to fail"
    assert result.job("second").outcome is Outcome.NOT_RUN
    assert result.failure == (first, first.steps[1])
    finished = [e.step.name for e in events if isinstance(e, StepFinished)]
    assert finished == ["Fine", "Breaks"]
    assert any(isinstance(e, JobFinished) and e.job.outcome is Outcome.FAILURE for e in events)


def test_an_unsupported_expression_names_the_file_and_line(tiny: Path) -> None:
    with pytest.raises(RehearseError) as caught:
        rehearse_tiny(tiny, "unsupported.yml")
    message = str(caught.value)
    assert ".github/workflows/unsupported.yml:9:" in message
    assert "the function fromJSON() is not supported by rehearse" in message


def test_an_action_without_a_local_equivalent_is_named(tiny: Path) -> None:
    with pytest.raises(
        RehearseError, match=r"unknown-action.yml:7: action 'actions/cache' has no local equivalent"
    ):
        rehearse_tiny(tiny, "unknown-action.yml")


def test_setup_python_gives_a_fresh_venv_and_names_a_missing_version(tiny: Path) -> None:
    with pytest.raises(ToolMissingError) as caught:
        rehearse_tiny(tiny, "python.yml", jobs=("missing",))
    assert "the workflow needs Python 3.99, which is not installed here" in str(caught.value)
    assert caught.value.exit_code == 3


def test_setup_python_present(tiny: Path) -> None:
    result, _ = rehearse_tiny(tiny, "python.yml", jobs=("present",))
    assert result.ok, result.failure and result.failure[1].log
    setup = result.job("present").steps[0]
    assert setup.outputs["python-version"].startswith("3.11.")
    assert any("pip cache: the local folder" in note for note in setup.notes)


def test_workdir_is_kept_and_must_be_ours(tiny: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "kept"
    result, _ = rehearse_tiny(tiny, "failing.yml", workdir=workdir)
    assert result.workdir == workdir
    assert (workdir / "logs" / "first" / "02-Breaks.log").read_text() == "about to fail\n"
    rehearse_tiny(tiny, "failing.yml", workdir=workdir)  # a rehearsal's own folder may be reused
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError, match="is not empty and was not made by an earlier rehearsal"):
        rehearse_tiny(tiny, "failing.yml", workdir=stranger)
    assert (stranger / "precious.txt").read_text() == "keep me"


def test_a_secret_given_with_secret_comes_from_the_environment(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_TOKEN", "s3cret")
    result, events = rehearse_tiny(tiny, "features.yml", secrets=("API_TOKEN",))
    assert result.ok
    assert "token length: 6" in result.job("consume").step("Needs outputs and secrets").log
    assert Notice("secrets.API_TOKEN is empty in a rehearsal") not in events
