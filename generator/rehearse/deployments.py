"""A rehearsal's deploy steps: what they are sent, and what they leave behind. A rehearsal has no users,
so a deploy step gets synthetic ones (its sample request) and ends each judging window at min-requests.
Tracks and the router outlive `ci-gen deploy` by design, so when a job ends the environments it deployed
to are taken down (or, when asked, kept and listed); with a state folder, each environment's deploy state
is carried from one rehearsal to the next, so a series of rehearsed pushes deploys each release against
the one before."""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.deploy_plan import DeployPlan
from generator.errors import CiGenError
from generator.location import Location

STATE_FILE = "state.json"


@dataclass(frozen=True)
class Deployment:
    """One `ci-gen deploy` a job ran: the folder it ran in, its spec and its stage."""

    folder: Path
    spec: str
    stage: str

    @classmethod
    def of(cls, command: str, args: str, folder: Path, spec: str) -> Deployment | None:
        """The deployment an Action step runs, or None when the step is not a deploy."""
        argv = shlex.split(args)
        if command != "deploy" or "--stage" not in argv[:-1]:
            return None
        return cls(folder, spec, argv[argv.index("--stage") + 1])

    @property
    def location(self) -> Location:
        return Location.find(self.folder, Path(self.spec))

    def plan(self) -> DeployPlan | None:
        """The stage's deploy plan, if it is a local-target stage (None: not one, or a spec the deploy
        step itself will report)."""
        from generator.project import load

        try:
            stage = load(self.location).plan.stage(self.stage)
        except CiGenError:
            return None
        return stage.deploy if stage is not None and stage.deploy.target == "local" else None

    def state_folder(self) -> Path | None:
        """The environment's state folder in the job's workspace (None: not a local-target stage)."""
        plan = self.plan()
        if plan is None or Path(plan.state_dir).is_absolute():
            return None
        return self.folder / plan.state_folder


def without_users(deployment: Deployment, argv: list[str], temp: Path) -> tuple[list[str], list[str]]:
    """What a deploy step gets in a rehearsal, where no users send requests (its windows would see none
    and fail safe as inconclusive, after waiting out every interval): synthetic users made of the sample
    request, unless the spec or the step names its own traffic, and windows that end once the candidate
    has seen min-requests. Returns the extra arguments and what to say about them."""
    plan = deployment.plan()
    if plan is None or plan.local is None:
        return [], []
    extra: list[str] = []
    notes: list[str] = []
    users = _sample_users(deployment, plan, temp) if plan.local.traffic is None else None
    if users is not None and "--traffic" not in argv:
        extra += ["--traffic", str(users)]
        notes.append(
            f"no users in a rehearsal: its sample request ({plan.sample_request}) is sent as synthetic "
            f"traffic, {plan.local.traffic_rate}/s, while the stage is judged"
        )
    if "--until-requests" not in argv:
        wanted = max(plan.gates.min_requests, 1)
        extra += ["--until-requests", str(wanted)]
        notes.append(f"each judging window ends once the candidate has seen {wanted} requests (min-requests)")
    return extra, notes


def _sample_users(deployment: Deployment, plan: DeployPlan, temp: Path) -> Path | None:
    """The sample request as a one-line JSONL file (None without one; a bad one is the step's to report)."""
    if plan.sample_request is None:
        return None
    try:
        body = json.loads((deployment.location.root / plan.sample_request).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    users = temp / f"rehearsal-users-{plan.name}.jsonl"
    users.write_text(json.dumps(body) + "\n", encoding="utf-8")
    return users


def bring_in(deployment: Deployment, state_dir: Path) -> str | None:
    """Before the deploy: put the state a previous rehearsal kept into the workspace; say what was done."""
    folder = deployment.state_folder()
    kept = state_dir / folder.name / STATE_FILE if folder is not None else None
    if folder is None or kept is None or not kept.is_file():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(kept, folder / STATE_FILE)
    return f"deploy state of '{folder.name}' from {kept}"


def wind_up(deployment: Deployment, keep: bool, state_dir: Path | None, say: Callable[[str], None]) -> None:
    """After the job: stop the environment (unless kept, then list it) and keep its state if asked."""
    from generator.deploy.control import rollback, status

    folder = deployment.state_folder()
    if folder is None or not (folder / STATE_FILE).is_file():
        return
    location = deployment.location
    try:
        if keep:
            for entry in status(location, deployment.stage):
                say(f"kept running ({entry['environment']}): {_running(entry)}")
        else:
            rollback(location, deployment.stage, lambda event: None, down=True)
            say(f"stopped the tracks and router of '{folder.name}' (--keep-deployments keeps them)")
    except CiGenError as exc:
        say(f"could not stop '{folder.name}': {exc}")
    if state_dir is not None:
        (state_dir / folder.name).mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / STATE_FILE, state_dir / folder.name / STATE_FILE)
        say(f"deploy state of '{folder.name}' kept in {state_dir / folder.name}")
        from generator.rehearse.champions import keep_champion

        kept = keep_champion(folder, state_dir)
        if kept:
            say(kept)


def _running(entry: dict[str, object]) -> str:
    tracks = entry.get("tracks") or {}
    assert isinstance(tracks, dict)
    named = [
        f"{name} {track.get('container') or 'pid ' + str(track.get('pid'))}" for name, track in tracks.items()
    ]
    router = entry.get("router") or {}
    assert isinstance(router, dict)
    return ", ".join([f"router {entry.get('url')} (pid {router.get('pid')})", *named])
