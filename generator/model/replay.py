"""The pull request's shadow verdict with no live traffic: the champion's and the candidate's models are
served inside the model job (the spec's serve command, the process runtime, a free port each), the
recorded requests are replayed to both, and agreement and latency are judged with the deploy gates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.deploy.driver import read_bodies
from generator.deploy.gates import GateResult, Judgement, Verdict, overall
from generator.deploy.release import artifact_release
from generator.deploy.report import Emit
from generator.deploy.shadow_replay import ReplayPlan, replay, started
from generator.deploy.targets.local.runtimes import make_runtime
from generator.errors import UsageError
from generator.model.bundle import unpack
from generator.spec.champion import ReplaySpec
from generator.spec.model import DeployGates


@dataclass(frozen=True)
class ReplayOutcome:
    judgement: Judgement
    figures: dict[str, Any]


def replay_gates(spec: ReplaySpec, total: int) -> DeployGates:
    """The deploy gates the replay is judged with: a majority of the requests must be answered and
    compared before a verdict counts (fewer is inconclusive, which fails safe)."""
    return DeployGates.model_validate(
        {
            "error-rate": spec.gates.error_rate,
            "latency-p99-vs-stable": None,
            "latency-p95-vs-stable": spec.gates.latency_p95_vs_champion,
            "agreement": spec.gates.agreement,
            "min-requests": total // 2 + 1,
        }
    )


def run_replay(spec: ReplaySpec, root: Path, champion_bundle: Path, work: Path, emit: Emit) -> ReplayOutcome:
    """Serve both models from their artifacts, replay the recorded requests, judge the pair."""
    bodies = read_bodies(root / spec.requests)
    total = len(bodies) * spec.repeat
    candidate_model = root / spec.model_path
    champion_model = unpack(champion_bundle, work / "champion") / spec.model_path
    for who, path in (("candidate", candidate_model), ("champion", champion_model)):
        if not path.exists():
            raise UsageError(f"the {who}'s model '{spec.model_path}' is missing (replay.model-path)")
    releases = {
        "stable": artifact_release(champion_model, None),
        "candidate": artifact_release(candidate_model, None),
    }
    runtime = make_runtime("process", spec.serve)
    plan = ReplayPlan(bodies, replay_gates(spec, total), spec.repeat)
    with started(runtime, releases, root, {}, spec.health_path, float(spec.health_timeout), 0) as ports:
        urls = [f"http://127.0.0.1:{ports[name]}{spec.predict_path}" for name in ("stable", "candidate")]
        report = replay(plan, urls[0], urls[1], emit)
    return _outcome(report.steps[0], total)


def _outcome(step: dict[str, Any], total: int) -> ReplayOutcome:
    results = tuple(
        GateResult(
            str(g["gate"]).replace("-vs-stable", "-vs-champion"),
            str(g["expression"]),
            g["value"],
            Verdict(g["verdict"]),
            str(g["reason"]).replace("stable", "champion"),
        )
        for g in step["gates"]
    )
    candidate, champion = step["candidate"], step["stable"] or {}
    figures = {
        "requests": total,
        "compared": step["compared"],
        "agreement": step["agreement"],
        "candidate_p50": candidate.get("p50"),
        "candidate_p95": candidate.get("p95"),
        "champion_p50": champion.get("p50"),
        "champion_p95": champion.get("p95"),
        "candidate_errors": candidate.get("errors"),
        "champion_errors": champion.get("errors"),
    }
    return ReplayOutcome(overall(results), figures)
