"""The example's pipeline, rehearsed for real: uv against PyPI, pip --require-hashes, pytest, training,
the metric gates, and (in CI) the podman image build and its smoke test."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from generator.rehearse import Outcome
from tests.example.conftest import CONTAINERS_CONF, EXAMPLE, MATRIX, ExampleRehearsal
from tests.helpers import copy_project, run

PYTHONS = [v for v in ("3.11", "3.12") if all(value == v for key, value in MATRIX if key == "python")]


def failure_text(rehearsal: ExampleRehearsal) -> str:
    failure = rehearsal.result.failure
    return f"{failure[0].key} > {failure[1].name}:\n{failure[1].tail()}" if failure else ""


def test_every_job_succeeds(example_rehearsal: ExampleRehearsal) -> None:
    result = example_rehearsal.result
    assert result.ok, failure_text(example_rehearsal)
    tests = [f"test ({python})" for python in PYTHONS]
    expected = ["lock", *tests, "model"] + (["build"] if example_rehearsal.containers else [])
    assert [job.key for job in result.jobs] == expected
    assert all(job.outcome is Outcome.SUCCESS for job in result.jobs)


def test_the_committed_locks_are_what_uv_compiles(example_rehearsal: ExampleRehearsal) -> None:
    lock = example_rehearsal.result.job("lock")
    install = lock.step("Install uv")
    assert "Successfully installed uv-0.13.9" in install.log
    for name in ("requirements.txt from requirements.in", "requirements-dev.txt from requirements-dev.in"):
        step = lock.step(f"Recompile {name}")
        assert step.outcome is Outcome.SUCCESS
        assert "@@" not in step.log and "does not match its inputs" not in step.log


@pytest.mark.parametrize("python", PYTHONS)
def test_the_example_tests_pass_from_the_locks(example_rehearsal: ExampleRehearsal, python: str) -> None:
    job = example_rehearsal.result.job(f"test ({python})")
    assert job.step(f"Set up Python {python}").outputs["python-version"].startswith(f"{python}.")
    install = job.step("Install the locked dependencies (hashes required)")
    assert "scikit-learn-1.9.1" in install.log and "No broken requirements found." in install.log
    tests = job.step("Run the tests")
    assert " passed" in tests.log and "failed" not in tests.log


def test_the_model_is_trained_gated_and_uploaded(example_rehearsal: ExampleRehearsal) -> None:
    model = example_rehearsal.result.job("model")
    # The model report of `ci-gen model-report` (no champion in a fresh checkout: the first release).
    assert "### Model report: passed" in model.summary
    assert "| accuracy | 0.9778 |" in model.summary and "| `>= 0.90` | pass |" in model.summary
    assert "| f1_macro |" in model.summary and "FAIL" not in model.summary
    with tarfile.open(example_rehearsal.workdir / "artifacts" / "model" / "model.tar.gz") as archive:
        assert sorted(archive.getnames()) == [
            "artifacts/metrics.json",
            "artifacts/model-metadata.json",
            "artifacts/model.joblib",
            "artifacts/profile.json",
        ]
        profile = json.load(archive.extractfile("artifacts/profile.json"))  # type: ignore[arg-type]
        metadata = json.load(archive.extractfile("artifacts/model-metadata.json"))  # type: ignore[arg-type]
        metrics = json.load(archive.extractfile("artifacts/metrics.json"))  # type: ignore[arg-type]
    assert metrics["accuracy"] >= 0.9 and metrics["f1_macro"] >= 0.9
    # The reference profile of exactly this model, from the model job's `ci-gen profile` step.
    assert profile["rows"] == 105 and set(profile["features"]) == {
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
    }
    assert profile["prediction"]["type"] == "categorical"
    assert metadata["model_version"] == profile["model_version"]


def test_doctor_is_clean_on_the_trained_example(example_rehearsal: ExampleRehearsal, tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "example")
    with tarfile.open(example_rehearsal.workdir / "artifacts" / "model" / "model.tar.gz") as archive:
        archive.extractall(project, filter="data")
    result = run(["doctor", "-C", str(project), "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 0, report
    assert report["findings"] == []
    assert not any("model metadata" in note for note in report["notes"])  # the model check really ran


def test_the_image_builds_and_answers_the_smoke_test(example_rehearsal: ExampleRehearsal) -> None:
    if not example_rehearsal.containers:
        pytest.skip("container build runs in CI (CI=true) or with CI_GEN_TEST_CONTAINERS=1")
    build = example_rehearsal.result.job("build")
    image = build.step("Build the image")
    assert image.outputs["digest"].startswith("sha256:")
    smoke = build.step("Smoke-test the image")
    assert '{"status":"ok"}' in smoke.log
    assert '"predictions":["setosa"]' in smoke.log
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    inspect = subprocess.run(
        [
            "podman",
            "image",
            "inspect",
            "--format",
            "{{.Config.User}} {{.Config.ExposedPorts}}",
            "ci-gen-smoke:candidate",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert inspect.stdout.split()[0] == "10001" and "8000/tcp" in inspect.stdout


def test_example_drift_check_passes() -> None:
    result = run(["-C", str(EXAMPLE), "check"])
    assert result.exit_code == 0, result.output
