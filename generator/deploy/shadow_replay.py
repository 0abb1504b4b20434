"""Shadow verdicts without live traffic: send recorded requests to a stable and a candidate service (URLs,
or releases started here for the purpose), pair their answers by request id, and judge them with the same
gates as a live shadow stage."""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.deploy.gates import Observation, judge
from generator.deploy.loadgen import LoadGenerator, LoadPlan, Sample, Target, probe, summarize
from generator.deploy.ports import free_port
from generator.deploy.release import Release
from generator.deploy.report import DeployReport, Emit, Event, progress_line, step_record
from generator.deploy.targets.base import TrackFailed
from generator.deploy.targets.local.runtimes import Runtime, TrackLaunch, log_evidence
from generator.errors import EXIT_FAILED, EXIT_OK
from generator.spec.model import DeployGates


@dataclass(frozen=True)
class ReplayPlan:
    bodies: Sequence[bytes]
    gates: DeployGates
    repeat: int = 1
    concurrency: int = 4
    timeout: float = 10.0


def replay(plan: ReplayPlan, stable_url: str, candidate_url: str, emit: Emit) -> DeployReport:
    """Send every body (`repeat` times) to both services with the same request id and judge the pair."""
    started = time.monotonic()
    targets = Target.parse(stable_url), Target.parse(candidate_url)
    total = len(plan.bodies) * plan.repeat
    emit(Event(f"replaying {total} requests to stable {stable_url} and candidate {candidate_url}"))
    prefix = f"replay-{int(time.time())}"
    runs = [LoadGenerator(t, _load_plan(plan, total, prefix)).start() for t in targets]
    stable, candidate = (run.join() for run in runs)
    observation = observe(stable, candidate)
    judgement = judge(plan.gates, observation)
    record = step_record("shadow replay", 0, time.monotonic() - started, observation, judgement, 0.0)
    emit(Event(progress_line(record), step=record))
    return DeployReport(
        stage="shadow-replay",
        environment="-",
        strategy="shadow-replay",
        version=candidate_url,
        release=candidate_url,
        previous=stable_url,
        outcome="passed" if judgement.passed else "failed",
        reason=judgement.reason,
        exit_code=EXIT_OK if judgement.passed else EXIT_FAILED,
        seconds=round(time.monotonic() - started, 1),
        steps=[record],
    )


def _load_plan(plan: ReplayPlan, total: int, prefix: str) -> LoadPlan:
    return LoadPlan(
        plan.bodies,
        rate=None,
        concurrency=plan.concurrency,
        duration=3600,
        max_requests=total,
        timeout=plan.timeout,
        keep_bodies=True,
        id_prefix=prefix,
    )


def observe(stable: Sequence[Sample], candidate: Sequence[Sample]) -> Observation:
    """Both sides' stats, and the share of requests both answered where their predictions are equal."""
    stable_answers = {s.request_id: _predictions(s) for s in stable}
    pairs = [(c, stable_answers.get(c.request_id)) for c in candidate]
    compared = [(_predictions(c), s) for c, s in pairs if s is not None and _predictions(c) is not None]
    same = sum(a == b for a, b in compared)
    agreement = same / len(compared) if compared else None
    return Observation(summarize(candidate), summarize(stable), agreement, len(compared))


def _predictions(sample: Sample) -> Any:
    if not 200 <= sample.status < 300:
        return None
    try:
        answer = json.loads(sample.body)
    except ValueError:
        return None
    return answer.get("predictions") if isinstance(answer, dict) else None


@contextlib.contextmanager
def started(
    runtime: Runtime,
    releases: dict[str, Release],
    workdir: Path,
    env: dict[str, str],
    health_path: str,
    timeout: float,
    container_port: int,
) -> Iterator[dict[str, int]]:
    """Run each release on a free port for the length of the block; yield name -> port."""
    records = {}
    with tempfile.TemporaryDirectory(prefix="ci-gen-replay-") as folder:
        try:
            for name, release in releases.items():
                name_, port = f"ci-gen-replay-{name}-{free_port()}", free_port()
                launch = TrackLaunch(name_, release, port, env, workdir, Path(folder), container_port)
                records[name] = runtime.start(launch)
            for name, record in records.items():
                _wait_ok(runtime, record, health_path, timeout, name)
            yield {name: record.port for name, record in records.items()}
        finally:
            for record in records.values():
                runtime.stop(record)


def _wait_ok(runtime: Runtime, record: Any, path: str, timeout: float, name: str) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if not runtime.running(record):
            raise TrackFailed(
                f"the {name} service ({record.release.version}) exited before it was healthy"
                f"{log_evidence(runtime, record)}"
            )
        status, last = probe(record.port, path)
        if status == 200:
            return
        time.sleep(0.1)
    raise TrackFailed(
        f"the {name} service ({record.release.version}) was not healthy within {timeout:.0f} s: "
        f"GET http://127.0.0.1:{record.port}{path} last gave {last}{log_evidence(runtime, record)}"
    )
