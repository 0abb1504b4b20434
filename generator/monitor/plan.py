"""The monitor and retrain parts of the Plan: plain immutable data for the scheduled workflows."""

from __future__ import annotations

from dataclasses import dataclass

from generator.spec.model import Spec

PIPELINE_WORKFLOW = "ci-gen.yml"  # the pipeline's file: its runs hold the model artifact with the profile
RETRAIN_WORKFLOW = "ci-gen-retrain.yml"


@dataclass(frozen=True)
class MonitorStage:
    name: str
    job_id: str
    environment: str
    runs_on: tuple[str, ...]  # the stage's runners: a local target's state is on its machine
    self_hosted: bool = False


@dataclass(frozen=True)
class MonitorPlan:
    profile: str
    schedule: str | None
    stages: tuple[MonitorStage, ...]
    branch: str  # the deploy branch: its pipeline runs hold the serving model's profile
    drift_found: str  # a GitHub expression: some monitor job's verdict is drift
    pipeline_workflow: str = PIPELINE_WORKFLOW
    retrain_workflow: str = RETRAIN_WORKFLOW


@dataclass(frozen=True)
class RetrainPlan:
    schedule: str | None
    paths: tuple[str, ...]
    on_drift: bool
    then: str  # pull-request | deploy
    report: str
    branch: str  # the deploy branch: retrain from it, propose to it, deploy from it
    pipeline_workflow: str = PIPELINE_WORKFLOW


def deploy_branch(spec: Spec) -> str:
    return (spec.deploy.branch if spec.deploy and spec.deploy.branch else None) or spec.triggers.branches[0]


def monitor_plan(spec: Spec) -> MonitorPlan | None:
    if spec.monitor is None:
        return None
    stages = list(spec.deploy.stages) if spec.deploy else []
    chosen = [s for s in stages if s.name in spec.monitor.stages] or stages[-1:]
    watched = tuple(
        MonitorStage(s.name, f"monitor-{s.name}", s.github_environment, tuple(s.runs_on), s.self_hosted)
        for s in chosen
    )
    return MonitorPlan(
        profile=spec.monitor.profile,
        schedule=spec.monitor.schedule,
        stages=watched,
        branch=deploy_branch(spec),
        drift_found=" || ".join(f"needs.{s.job_id}.outputs.verdict == 'drift'" for s in watched),
    )


def retrain_plan(spec: Spec) -> RetrainPlan | None:
    r = spec.retrain
    if r is None:
        return None
    return RetrainPlan(r.schedule, tuple(r.paths), r.on_drift, r.then, r.report, deploy_branch(spec))
