"""`ci-gen deploy` as a function: find the stage, take the environment's lock, converge whatever a
previous run left, then run the strategy's steps and report. Never prints; progress goes to `emit`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.deploy.drift_gate import drift_source
from generator.deploy.first_install import FirstChecks, FirstVerdict, judge_first
from generator.deploy.hooks import DeployHook, notify
from generator.deploy.loadgen import LoadGenerator, LoadPlan
from generator.deploy.release import Release, artifact_release, image_release
from generator.deploy.report import DeployReport, Emit, Event
from generator.deploy.signals import shielded
from generator.deploy.stages import Opened, make_target, open_stage
from generator.deploy.state import (
    EnvState,
    InFlight,
    Session,
    StateStore,
    StateUnwritable,
    check_folder,
    deploy_lock,
    leaves_nothing_if_refused,
)
from generator.deploy.strategies import STRATEGIES
from generator.deploy.strategies.base import Context, Promote, StepFailed, restore
from generator.deploy.targets import Environment
from generator.deploy.targets.base import CANDIDATE, STABLE, TrackFailed
from generator.errors import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, DeployError, UsageError
from generator.location import Location
from generator.project import Loaded
from generator.tracking.hooks import registry_hook

# Outcomes after which the stage serves the release that was deployed.
SERVING = frozenset({"promoted", "installed", "unchanged"})


@dataclass(frozen=True)
class DeployRequest:
    """The command line of `ci-gen deploy`, as data."""

    location: Location
    stage: str
    image: str | None = None
    artifact: Path | None = None
    version: str | None = None
    traffic: Path | None = None  # overrides deploy.local.traffic
    rate: int | None = None
    until_requests: int | None = None
    poll_seconds: float = 0.5


def release_for(opened: Opened, request: DeployRequest) -> Release:
    local = opened.environment.local
    runtime = local.runtime if local is not None else "container"
    if (request.image is None) == (request.artifact is None):
        raise UsageError(
            "pass exactly one of --image (podman/docker runtime) and --artifact (process runtime)"
        )
    if request.image is not None:
        if runtime == "process":
            raise UsageError(
                "--image needs a container runtime, but deploy.local.runtime is process",
                hint="set deploy.local.runtime: podman (or docker), or deploy a model with --artifact",
            )
        return image_release(request.image)
    assert request.artifact is not None
    return artifact_release(opened.loaded.location.root / request.artifact, request.version)


def deploy(request: DeployRequest, emit: Emit) -> DeployReport:
    """Run one stage to its end: promoted, passed, rolled back. Raises CiGenError for bad input (2) and
    infrastructure failures (3), after putting the environment back to stable as far as it can."""
    opened = open_stage(request.location, request.stage)
    release = release_for(opened, request)
    users = traffic_bodies(opened, request)
    checks = first_checks(opened, request, users)
    env = opened.environment
    what = f"deploy --stage {opened.stage.name}"
    with leaves_nothing_if_refused(env.folder), _writable(env), deploy_lock(env.folder, env.name, what):
        session = Session(StateStore(env.folder, env.name))
        target = make_target(opened, session)
        target.preflight(release)
        checks = replace(checks, url=target.front_door())
        ctx = Context(
            target,
            session,
            opened.stage,
            release,
            emit,
            health_timeout=env.health_timeout,
            poll_seconds=request.poll_seconds,
            until_requests=request.until_requests,
            drift=drift_source(env, opened.stage.gates, release),
        )
        try:
            report = Run(ctx, env, checks).execute(lambda: _traffic(checks, users))
        finally:
            target.close()
        keep_champion(opened, release, report, emit)
    notify(deploy_hooks(opened.loaded), report, release, emit)
    return report


def keep_champion(opened: Opened, release: Release, report: DeployReport, emit: Emit) -> None:
    """When the stage whose model is the champion now serves `release`, record the model's files (the
    model job's artifacts, as they are in the working tree) for `ci-gen model-report` to compare with."""
    spec, root = opened.loaded.spec, opened.loaded.location.root
    if spec.model is None or spec.champion_stage != opened.stage.name or report.outcome not in SERVING:
        return
    paths = opened.loaded.plan.model.artifacts if opened.loaded.plan.model else ()
    missing = [path for path in paths if not (root / path).exists()]
    if missing:
        emit(Event(f"champion not recorded: the model's {missing[0]} is not here"))
        return
    from generator.model.champion import record_champion

    folder = record_champion(opened.environment.folder, opened.stage.name, release.version, root, paths)
    emit(Event(f"{release.version} is the champion of {opened.stage.name} now (recorded in {folder})"))


def deploy_hooks(loaded: Loaded) -> tuple[DeployHook, ...]:
    """The hooks told of this stage's end: the model registry's, when the spec tracks models."""
    hook = registry_hook(loaded)
    return (hook,) if hook is not None else ()


@contextmanager
def _writable(env: Environment) -> Iterator[None]:
    """Pre-flight of the state folder, before the lock file is written into it."""
    check_folder(env.folder, env.name)
    yield


def first_checks(opened: Opened, request: DeployRequest, users: tuple[bytes, ...]) -> FirstChecks:
    """What a first version is sent before it may become stable (files read now: bad input is exit 2)."""
    settings, stage = opened.environment.local, opened.stage
    sample = None
    if stage.sample_request is not None:
        sample = (opened.loaded.location.root / stage.sample_request).read_bytes().strip() or None
    bodies = users or ((sample,) if sample else ())
    rate = request.rate or (settings.traffic_rate if settings is not None else 1)
    return FirstChecks(None, sample, bodies, rate)  # the URL is the target's front door, once it is made


def traffic_bodies(opened: Opened, request: DeployRequest) -> tuple[bytes, ...]:
    """Request bodies of synthetic users (--traffic or deploy.local.traffic), or none."""
    settings = opened.environment.local
    path = request.traffic or (
        opened.loaded.location.root / settings.traffic if settings is not None and settings.traffic else None
    )
    return tuple(read_bodies(path)) if path is not None else ()


@contextmanager
def _traffic(checks: FirstChecks, users: tuple[bytes, ...]) -> Iterator[None]:
    """Synthetic users through the router while the stage runs, when the spec or flags ask for them."""
    if not users or checks.url is None:
        yield
        return
    plan = LoadPlan(list(users), rate=checks.rate, duration=24 * 3600, concurrency=4)
    generator = LoadGenerator(checks.url, plan).start()
    try:
        yield
    finally:
        generator.stop()


def read_bodies(path: Path) -> list[bytes]:
    """Request bodies from a JSONL file, one per non-empty line."""
    if not path.is_file():
        raise UsageError(f"request file '{path}' does not exist")
    bodies = [line.strip().encode() for line in path.read_text().splitlines() if line.strip()]
    if not bodies:
        raise UsageError(f"request file '{path}' has no requests (one JSON body per line)")
    return bodies


class Run:
    """One driver run against one environment."""

    def __init__(self, ctx: Context, environment: Environment, checks: FirstChecks) -> None:
        self.ctx = ctx
        self.environment = environment
        self.checks = checks
        self.started = time.monotonic()
        self.previous: Release | None = ctx.session.state.stable

    @property
    def state(self) -> EnvState:
        return self.ctx.session.state

    def execute(self, traffic: Callable[[], AbstractContextManager[None]]) -> DeployReport:
        ctx = self.ctx
        for stray in ctx.target.reconcile():
            ctx.say(f"stopped a stray process left by an earlier run: {stray}")
        self._settle_unfinished()
        self._forget_unrunnable_stable()
        self.previous = self.state.stable
        self._converge_stable()
        if self.state.stable is None:
            return self._install_first()
        if self.state.deploy is None and self.state.stable == ctx.release:
            return self._finish("unchanged", f"{ctx.release.version} is already stable", EXIT_OK)
        with traffic():
            return self._run_strategy()

    # -- before the strategy ----------------------------------------------------------------------

    def _settle_unfinished(self) -> None:
        """A deploy a crash or a cancel left in flight: resume it if it is this one, else settle it."""
        flight = self.state.deploy
        if flight is None or (flight.release == self.ctx.release and flight.stage == self.ctx.stage.name):
            return
        if flight.phase == Promote.name:
            self.ctx.say(f"finishing the promotion of {flight.release.version} that an earlier run began")
            Promote().run(replace(self.ctx, release=flight.release))
            self.state.stable = flight.release  # recorded here, as after a strategy's own promote step
        else:
            self.ctx.say(
                f"rolling back unfinished deploy of {flight.release.version} (was at '{flight.phase}')"
            )
            restore(self.ctx)
        self._record_history(flight, "rolled back" if flight.phase != Promote.name else "promoted")
        self.state.deploy = None
        self.ctx.session.save()

    def _converge_stable(self) -> None:
        target, stable = self.ctx.target, self.state.stable
        target.ensure_router()
        if stable is not None and target.running(STABLE) != stable and self.state.deploy is None:
            self.ctx.say(f"stable {stable.version} is not running; starting it")
            target.start_track(STABLE, stable)
            target.wait_healthy(STABLE, self.ctx.health_timeout)

    def _forget_unrunnable_stable(self) -> None:
        """After deploy.local.runtime changed (process <-> container), the stable release cannot run any
        more: stop its tracks (with the runtime that started them) and judge this release as a first one."""
        stable, local = self.state.stable, self.environment.local
        if stable is None or local is None or self.state.deploy is not None:
            return
        if (stable.artifact is not None) == (local.runtime == "process"):
            return
        self.ctx.say(
            f"stable {stable.version} ({stable.label}) cannot run on the {local.runtime} runtime it is "
            f"configured with now; stopping it and judging {self.ctx.release.version} as a first version"
        )
        self.ctx.target.down()
        self.state.history = [
            *self.state.history[-49:],
            _entry(stable.version, "", "retired: runtime changed"),
        ]
        self.state.stable = None
        self.ctx.session.save()

    def _install_first(self) -> DeployReport:
        ctx = self.ctx
        ctx.say(f"no stable version in '{self.environment.name}' yet: judging {ctx.release.version} first")
        try:
            ctx.target.start_track(STABLE, ctx.release)
            ctx.target.wait_healthy(STABLE, ctx.health_timeout)
            ctx.target.set_weight(0)
            verdict = judge_first(ctx, self.checks)
        except TrackFailed as failure:
            verdict = FirstVerdict(refusal=str(failure))
        if verdict.refusal:
            ctx.target.down()  # nothing stays running, and nothing is recorded as stable
            entry = _entry(ctx.release.version, ctx.stage.name, "refused")
            self.state.history = [*self.state.history[-49:], entry]
            return self._finish("refused", verdict.refusal, EXIT_FAILED, verdict.steps)
        self.state.stable = ctx.release
        ctx.session.save()
        url = self.ctx.target.describe().get("url", "")
        checked = "; ".join(verdict.checked)
        return self._finish(
            "installed", f"first stable version ({checked}), serving at {url}", EXIT_OK, verdict.steps
        )

    # -- the strategy ------------------------------------------------------------------------------

    def _run_strategy(self) -> DeployReport:
        ctx = self.ctx
        strategy = STRATEGIES[ctx.stage.strategy]
        steps = strategy.steps(ctx.stage)
        flight = self._flight(steps[0].name)
        try:
            for index in range(flight.step, len(steps)):
                flight.phase = steps[index].name
                ctx.session.save()
                steps[index].run(ctx)
                flight.step = index + 1
                ctx.session.save()
        except BaseException as failure:  # every way out restores stable first
            with shielded():
                return self._after_failure(failure)
        if strategy.success() == "promoted":
            self.state.stable = ctx.release
        return self._finish(strategy.success(), "", EXIT_OK)

    def _after_failure(self, failure: BaseException) -> DeployReport:
        """Roll back on a failed step or a cancel; fail safe from memory when the state cannot be written;
        on any other error restore what can be restored and let the error through (exit 3)."""
        offline = self.ctx.session.offline
        if offline is not None:
            self._restore_from_memory()
            raise self._restored(offline) from None
        if isinstance(failure, KeyboardInterrupt):
            return self._roll_back("cancelled by a signal", "cancelled", EXIT_CANCELLED)
        if isinstance(failure, (StepFailed, TrackFailed)):
            return self._roll_back(str(failure))
        self._best_effort_restore()
        raise failure

    def _flight(self, first_step: str) -> InFlight:
        ctx = self.ctx
        flight = self.state.deploy
        if flight is not None:
            ctx.say(f"resuming the deploy of {flight.release.version} at '{flight.phase}'")
            ctx.resumed = True
            return flight
        flight = InFlight(
            stage=ctx.stage.name,
            strategy=ctx.stage.strategy,
            release=ctx.release,
            previous=self.state.stable,
            phase=first_step,
        )
        self.state.deploy = flight
        ctx.session.save()
        return flight

    def _roll_back(self, reason: str, outcome: str | None = None, code: int = EXIT_FAILED) -> DeployReport:
        ctx = self.ctx
        ctx.say(f"rolling back: {reason}")
        try:
            restore(ctx)
        except StateUnwritable as failure:
            self._restore_from_memory()
            raise self._restored(failure) from None
        stable = self.state.stable.version if self.state.stable else "none"
        ctx.say(f"rolled back: all traffic on stable {stable}; candidate stopped")
        outcome = outcome or ("failed" if ctx.stage.strategy == "shadow" else "rolled back")
        return self._finish(outcome, reason, code)

    def _restore_from_memory(self) -> None:
        """The state cannot be written: traffic back to stable with what is in memory, then stop the
        candidate. If even the router's config cannot be rewritten (a read-only or full disk), stopping
        the candidate is enough: nginx sends the connections it refuses to stable."""
        ctx = self.ctx
        ctx.say(f"{ctx.session.offline}: putting all traffic back on stable from memory")
        changes: list[Callable[[], None]] = [
            lambda: ctx.target.set_mirror(None),
            lambda: ctx.target.set_weight(0),
        ]
        for change in changes:
            try:
                change()
            except (OSError, DeployError) as exc:
                ctx.say(f"could not rewrite the router's config ({exc}); stopping the candidate instead")
        ctx.target.stop_track(CANDIDATE)
        stable = self.state.stable.version if self.state.stable else "none"
        ctx.say(f"all traffic on stable {stable}; candidate stopped; the state file still says otherwise")

    def _restored(self, failure: StateUnwritable) -> StateUnwritable:
        stable = self.state.stable.version if self.state.stable else "none"
        message = f"{failure.message}; all traffic is back on stable {stable} and the candidate is stopped"
        return StateUnwritable(message, hint=failure.hint)

    def _best_effort_restore(self) -> None:
        # An infrastructure error: try to leave stable alone in place; if that fails too, the state still
        # records the deploy in flight and the next run converges from there.
        try:
            restore(self.ctx)
            self.state.deploy = None
            self.ctx.session.save()
        except StateUnwritable:
            with contextlib.suppress(Exception):
                self._restore_from_memory()
        except Exception:  # noqa: S110 - the original error is the one to report
            pass

    # -- the end -----------------------------------------------------------------------------------

    def _finish(
        self, outcome: str, reason: str, code: int, steps: list[dict[str, Any]] | None = None
    ) -> DeployReport:
        ctx = self.ctx
        flight = self.state.deploy
        report = DeployReport(
            stage=ctx.stage.name,
            environment=self.environment.name,
            strategy=ctx.stage.strategy if outcome not in ("installed", "unchanged") else "initial",
            version=ctx.release.version,
            release=ctx.release.label,
            previous=self.previous.label if self.previous else None,
            outcome=outcome,
            reason=reason,
            exit_code=code,
            seconds=round(time.monotonic() - self.started, 1),
            steps=list(flight.steps) if flight else list(steps or []),
            timeline=list(flight.timeline) if flight else [],
        )
        if flight is not None:
            self._record_history(flight, outcome)
            self.state.deploy = None
        ctx.session.save()
        return report

    def _record_history(self, flight: InFlight, outcome: str) -> None:
        entry = _entry(flight.release.version, flight.stage, outcome)
        self.state.history = [*self.state.history[-49:], entry]


def _entry(version: str, stage: str, outcome: str) -> dict[str, Any]:
    return {"version": version, "stage": stage, "outcome": outcome, "at": time.time()}
