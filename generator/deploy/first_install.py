"""The first deploy into an empty environment is judged before it is recorded as stable: it must be
healthy, answer the spec's sample request, and pass the stage's gates on synthetic traffic sent through
the router. There is no stable version to compare with, so the gates that compare with stable are skipped.
"""

from __future__ import annotations

import http.client
import uuid
from dataclasses import dataclass, field
from typing import Any

from generator.deploy.gates import Judgement, Observation, Verdict, judge
from generator.deploy.loadgen import LoadGenerator, LoadPlan
from generator.deploy.loadgen import Target as Url
from generator.deploy.report import Event, progress_line, step_record
from generator.deploy.strategies.base import Context
from generator.deploy.targets.base import STABLE, USER, Watch

STEP = "first version"
MIN_WINDOW = 30.0  # seconds the synthetic traffic may take at least to reach min-requests


@dataclass(frozen=True)
class FirstChecks:
    """What can be sent to a first version: through `url` (None where ci-gen cannot reach the router from
    this machine), the sample request, and bodies for synthetic traffic at `rate` per second."""

    url: Url | None
    sample: bytes | None
    bodies: tuple[bytes, ...]
    rate: int


@dataclass
class FirstVerdict:
    refusal: str = ""  # why the version must not become stable; empty when it may
    checked: list[str] = field(default_factory=list)  # what was checked, for the report
    steps: list[dict[str, Any]] = field(default_factory=list)


def judge_first(ctx: Context, checks: FirstChecks) -> FirstVerdict:
    """Judge the release on the stable track (already healthy, all users routed to it)."""
    verdict = FirstVerdict(checked=["healthy"])
    if checks.url is None:
        verdict.checked.append("no requests sent: ci-gen cannot reach this target's router from here")
        return verdict
    if checks.sample is not None:
        verdict.refusal = _sample_problem(checks.url, checks.sample)
        if verdict.refusal:
            return verdict
        verdict.checked.append("answered the sample request")
    if not checks.bodies:
        verdict.checked.append("gates not judged: no sample-request or traffic to send")
        return verdict
    judgement = _synthetic_window(ctx, checks.url, checks, verdict)
    if not judgement.passed:
        verdict.refusal = f"{STEP}: {judgement.verdict.value}: {judgement.reason}"
    else:
        verdict.checked.append("passed the gates on synthetic traffic")
    return verdict


def _sample_problem(url: Url, body: bytes) -> str:
    """'' if the sample request got a 2xx answer, else what it got."""
    connection = http.client.HTTPConnection(url.host, url.port, timeout=30)
    headers = {"Content-Type": "application/json", "X-Request-ID": f"ci-gen-sample-{uuid.uuid4().hex[:8]}"}
    try:
        connection.request("POST", url.path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()[:300].decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as exc:
        return f"the sample request to {url.path} got no answer: {exc}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return ""
    return f"the sample request to {url.path} got HTTP {response.status}: {answer}"


def _synthetic_window(ctx: Context, url: Url, checks: FirstChecks, verdict: FirstVerdict) -> Judgement:
    """Send the bodies until min-requests were answered (or it fails on evidence, or time runs out)."""
    wanted = max(ctx.gates.min_requests, 1)
    limit = max(MIN_WINDOW, 3 * wanted / checks.rate)
    ctx.say(f"{STEP}: sending synthetic traffic ({checks.rate}/s) until {wanted} requests are judged")
    watch = ctx.target.watch()
    plan = LoadPlan(list(checks.bodies), rate=checks.rate, duration=limit, concurrency=4)
    generator = LoadGenerator(url, plan).start()
    begun = ctx.clock.monotonic()
    try:
        observation, judgement = _watch(ctx, watch, wanted, begun + limit)
    finally:
        generator.stop()
    record = step_record(STEP, 100, ctx.clock.monotonic() - begun, observation, judgement, ctx.elapsed())
    verdict.steps.append(record)
    ctx.emit(Event(progress_line(record), step=record))
    return judgement


def _watch(ctx: Context, watch: Watch, wanted: int, deadline: float) -> tuple[Observation, Judgement]:
    while True:
        ctx.clock.sleep(ctx.poll_seconds)
        observation = Observation(candidate=watch.poll().of(STABLE, USER))
        judgement = judge(ctx.gates, observation, agreement_possible=False)
        enough = observation.candidate.requests >= wanted
        if enough or _failed_on_evidence(judgement) or ctx.clock.monotonic() >= deadline:
            return observation, judgement


def _failed_on_evidence(judgement: Judgement) -> bool:
    # As in the strategies' windows: latency percentiles are judged on the whole window (cold starts).
    return any(r.verdict is Verdict.FAIL and not r.gate.startswith("latency") for r in judgement.results)
