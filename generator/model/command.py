"""`ci-gen model-report` as a function: read the candidate's metrics, find the champion, judge the gates,
replay recorded requests against both when the spec asks, and write the report files."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.deploy.gates import GateResult, Judgement, Verdict
from generator.deploy.report import Emit
from generator.errors import UsageError
from generator.location import Location
from generator.model.champion import find_champion
from generator.model.gates import judge_metrics, numeric_metrics
from generator.model.lookup import Found, Lookup
from generator.model.replay import run_replay
from generator.model.report import ModelReport, as_json, comment, markdown
from generator.project import Loaded, load
from generator.spec.champion import ChampionSpec
from generator.spec.model import ModelSpec

MAX_METRICS_BYTES = 1_000_000


@dataclass(frozen=True)
class ReportRequest:
    location: Location
    source: str = "auto"  # which champion source (auto: the first available)
    out: Path | None = None  # folder for report.md, report.json and comment.md


def model_report(request: ReportRequest, emit: Emit, env: Mapping[str, str] | None = None) -> ModelReport:
    """Judge the trained model; write the report files when asked."""
    loaded = load(request.location)
    model = _require_model(loaded)
    settings = model.champion or ChampionSpec()
    candidate = read_metrics(loaded.location.root, model.metrics)
    with tempfile.TemporaryDirectory(prefix="ci-gen-champion-") as scratch:
        found = _champion(loaded, request.source, Path(scratch), os.environ if env is None else env)
        rows, judgement = judge_metrics(model.gates, candidate, found.champion, settings.first_release)
        replay, figures = _replay(loaded, settings, found, Path(scratch), emit)
    report = ModelReport(
        loaded.spec.champion_stage,
        found.champion,
        found.note,
        rows,
        judgement,
        replay,
        figures,
        settings.replay.gate_pull_request if settings.replay else True,
    )
    if request.out is not None:
        write_report(report, request.out)
    return report


def _require_model(loaded: Loaded) -> ModelSpec:
    if loaded.spec.model is None:
        raise UsageError(
            f"{loaded.location.spec_name} has no model section, so there is no model to report on",
            hint="add model: {train: ..., metrics: ..., artifacts: [...], gates: {...}}",
        )
    return loaded.spec.model


def read_metrics(root: Path, metrics: str) -> dict[str, float]:
    path = root / metrics
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(MAX_METRICS_BYTES))
    except FileNotFoundError:
        raise UsageError(
            f"the metrics file '{metrics}' is missing", hint="model.train or model.evaluate should write it"
        ) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"the metrics file '{metrics}' is not readable JSON: {exc}") from exc
    try:
        return numeric_metrics(data, f"'{metrics}'")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _champion(loaded: Loaded, source: str, scratch: Path, env: Mapping[str, str]) -> Found:
    stage_name = loaded.spec.champion_stage
    stage = loaded.plan.stage(stage_name) if stage_name else None
    if stage is None or loaded.spec.model is None:
        return Found(None, None, "no gate compares with a champion")
    lookup = Lookup(
        stage=stage.name,
        environment=stage.deploy.environment,
        root=loaded.location.root,
        state_folder=stage.deploy.state_folder,
        metrics=loaded.spec.model.metrics,
        deploy_ref=loaded.plan.deploy_ref,
        work=scratch / "download",
        env=env,
        spec=loaded.spec,
        want_bundle=bool(loaded.spec.model.champion and loaded.spec.model.champion.replay),
    )
    return find_champion(lookup, source)


def _replay(
    loaded: Loaded, settings: ChampionSpec, found: Found, scratch: Path, emit: Emit
) -> tuple[Judgement | None, dict[str, object]]:
    if settings.replay is None:
        return None, {}
    if found.bundle is None:
        why = "no champion to replay against (first release)"
        skipped = GateResult("replay", "-", None, Verdict.SKIP, why)
        return Judgement((skipped,), Verdict.PASS, why), {}
    outcome = run_replay(settings.replay, loaded.location.root, found.bundle, scratch / "replay", emit)
    return outcome.judgement, outcome.figures


def write_report(report: ModelReport, folder: Path) -> None:
    """report.md (the job summary's section), comment.md (the pull-request comment) and report.json."""
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "comment.md").write_text(comment(text), encoding="utf-8")
    (folder / "report.json").write_text(json.dumps(as_json(report), indent=2) + "\n", encoding="utf-8")
