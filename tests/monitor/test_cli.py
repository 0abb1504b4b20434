"""`ci-gen profile` and `ci-gen monitor --log` end to end through the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.monitor.synthetic import log_lines, rows

SPEC = """\
version: 1
project: demo
python: "3.11"
model:
  train: python train.py
  metrics: artifacts/metrics.json
  artifacts: [artifacts/model.bin]
monitor:
  reference: data/reference.jsonl
  thresholds: {psi: 0.25, ks: 0.2, min-rows: 100}
"""


@pytest.fixture
def project(tmp_path, training):
    (tmp_path / "ci-gen.yaml").write_text(SPEC)
    (tmp_path / "requirements.in").write_text("flask\n")
    (tmp_path / "data").mkdir()
    records = [{**r, "model_version": "m1"} for r in training]
    (tmp_path / "data/reference.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return tmp_path


def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _log(path, records, **kwargs):
    path.write_text("\n".join(log_lines(records, **kwargs)) + "\n")
    return path


def test_profile_then_monitor_without_drift(project):
    made = _run("-C", str(project), "profile")
    assert made.exit_code == 0, made.output
    assert "x (numeric)" in made.output and "colour (categorical)" in made.output
    written = json.loads((project / "artifacts/profile.json").read_text())
    assert written["model_version"] == "m1" and written["features"]["x"]["type"] == "numeric"
    log = _log(project / "predictions.log", rows(1000, seed=11))
    result = _run("-C", str(project), "monitor", "--log", str(log))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("no drift (1000 predictions")


def test_monitor_reports_drift_with_table_json_and_charts(project, tmp_path):
    _run("-C", str(project), "profile")
    log = _log(project / "predictions.log", rows(1000, seed=12, shift=1.2, new_colour=0.3), batch=4)
    out = tmp_path / "report"
    result = _run("-C", str(project), "monitor", "--log", str(log), "--report-dir", str(out), "--json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["verdict"] == "drift"
    drifted = {f["name"] for f in document["features"] if f["drifted"]}
    assert drifted == {"x", "colour"}
    assert sorted(document["charts"]) == ["colour", "prediction", "x"]
    for name in document["charts"].values():
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    markdown = (out / "report.md").read_text()
    assert "| x | numeric |" in markdown and "![x](drift-x.png)" in markdown
    assert json.loads((out / "report.json").read_text())["verdict"] == "drift"


def test_monitor_refuses_a_profile_of_another_model(project):
    _run("-C", str(project), "profile")
    log = _log(project / "predictions.log", rows(200, seed=13), version="m2")
    result = _run("-C", str(project), "monitor", "--log", str(log))
    assert result.exit_code == 2
    assert "is of model m1, but the log's predictions are of m2 (200 lines)" in result.output


def test_too_few_predictions_exit_1_as_inconclusive(project):
    _run("-C", str(project), "profile")
    log = _log(project / "predictions.log", rows(20, seed=14))
    result = _run("-C", str(project), "monitor", "--log", str(log))
    assert result.exit_code == 1 and result.output.startswith("inconclusive: 20 predictions")


def test_monitor_without_a_profile_says_how_to_make_one(project):
    log = _log(project / "predictions.log", rows(20, seed=14))
    result = _run("-C", str(project), "monitor", "--log", str(log))
    assert result.exit_code == 2
    assert "no reference profile at" in result.output and "ci-gen profile" in result.output


def test_spec_without_monitor_section_is_bad_input(project):
    (project / "ci-gen.yaml").write_text(SPEC.split("monitor:")[0])
    result = _run("-C", str(project), "profile")
    assert result.exit_code == 2 and "has no monitor section" in result.output


def test_reference_command_and_bad_lines(project):
    spec = SPEC.replace("reference: data/reference.jsonl", 'reference: {command: "python emit.py"}')
    (project / "ci-gen.yaml").write_text(spec)
    (project / "emit.py").write_text('print(\'{"a": 1, "prediction": "x"}\')\nprint("oops")\n')
    result = _run("-C", str(project), "profile")
    assert result.exit_code == 2
    assert "the output of 'python emit.py':2: not JSON" in result.output


def test_csv_reference(project):
    (project / "data/reference.csv").write_text("a,colour,prediction\n1.5,red,yes\n,blue,no\n2.5,red,yes\n")
    (project / "ci-gen.yaml").write_text(SPEC.replace("reference.jsonl", "reference.csv"))
    assert _run("-C", str(project), "profile").exit_code == 0
    written = json.loads((project / "artifacts/profile.json").read_text())
    assert written["features"]["a"]["missing"] == pytest.approx(1 / 3)
    assert written["features"]["colour"]["frequencies"] == {
        "red": pytest.approx(2 / 3),
        "blue": pytest.approx(1 / 3),
    }
