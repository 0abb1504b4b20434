"""The model report: table, delta chart, replay section, the comment's marker and cap."""

from __future__ import annotations

from generator.deploy.gates import GateResult, Judgement, Verdict
from generator.model.gates import Champion, judge_metrics
from generator.model.report import MARKER, MAX_COMMENT_CHARS, ModelReport, as_json, comment, markdown

CHAMPION = Champion("production", "abc123", {"accuracy": 0.95, "latency_ms": 20.0}, "a test")


def report(candidate: dict[str, float], **kwargs: object) -> ModelReport:
    gates = {"accuracy": [">= 0.9", ">= champion - 0.01"], "latency_ms": ["<= champion * 1.1"]}
    rows, judgement = judge_metrics(gates, candidate, CHAMPION, "pass")
    return ModelReport("production", CHAMPION, "found", rows, judgement, **kwargs)  # type: ignore[arg-type]


def test_the_table_has_candidate_champion_delta_gate_verdict() -> None:
    text = markdown(report({"accuracy": 0.96, "latency_ms": 25.0}))
    assert "| metric | candidate | champion | delta | gate | verdict |" in text
    assert (
        "| accuracy | 0.96 | 0.95 | +0.01 (+1.1 %) | `>= 0.9`<br>`>= champion - 0.01` | pass / pass |" in text
    )
    assert "| latency_ms | 25 | 20 | +5 (+25.0 %) | `<= champion * 1.1` | **FAIL**" in text
    assert text.startswith("### Model report: FAILED")
    assert "```mermaid\nxychart-beta" in text and "bar [1.05, 25.00]" in text


def test_replay_verdict_decides_unless_report_only() -> None:
    failed = Judgement(
        (GateResult("agreement", ">= 0.9", 0.5, Verdict.FAIL, "agreement 0.500 is not >= 0.9"),),
        Verdict.FAIL,
        "x",
    )
    figures = {"requests": 10, "compared": 10, "agreement": 0.5, "champion_p95": 3.0, "candidate_p95": 4.0}
    good = {"accuracy": 0.96, "latency_ms": 20.0}
    assert not report(good, replay=failed, replay_figures=figures).passed
    only = report(good, replay=failed, replay_figures=figures, replay_gates=False)
    assert only.passed
    text = markdown(only)
    assert "Replay of recorded requests: fail (does not decide (report only) the pull request)" in text
    assert "| agreement | `>= 0.9` | 0.5 | fail |" in text
    assert as_json(only)["replay"]["agreement"] == 0.5


def test_the_comment_starts_with_its_marker_and_is_capped() -> None:
    body = comment("x" * (MAX_COMMENT_CHARS + 10))
    assert body.startswith(MARKER + "\n")
    assert len(body) < 65_536 and body.endswith("(cut: the whole report is in the job summary)\n")


def test_metric_names_cannot_become_markup() -> None:
    rows, judgement = judge_metrics({}, {"a|b<script>": 1.0}, None, "pass")
    text = markdown(ModelReport(None, None, "", rows, judgement))
    assert "<script>" not in text and "a\\|b&lt;script>" in text
