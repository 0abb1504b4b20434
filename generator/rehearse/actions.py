"""Local equivalents of the actions ci-gen's built-in templates use, in one registry keyed by action name.

Each equivalent lists the inputs it understands; any other input is an error, so a template that starts
relying on something new fails loudly in a rehearsal instead of being half-imitated.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from generator.errors import RehearseError, ToolMissingError
from generator.rehearse.containers import Runtime
from generator.rehearse.interpreters import find_python, make_venv


class JobSite(Protocol):
    """What an action may use of the job it runs in."""

    source: Path  # the scratch copy of the working tree, as checked out
    workspace: Path
    temp: Path
    tools: Path
    artifacts: Path
    cache: Path
    build_args: tuple[str, ...]
    build_volumes: tuple[str, ...]

    def runtime(self, where: str) -> Runtime: ...

    def run(self, argv: list[str], log: Path) -> int: ...


@dataclass
class ActionCall:
    """One `uses:` step: its inputs (expressions already evaluated), where it is, and its job."""

    name: str
    inputs: dict[str, str]
    where: str
    job: JobSite
    log: Path

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.inputs.get(name)
        return default if value is None else value.strip().lower() == "true"

    def lines(self, name: str) -> list[str]:
        """A list input: one item per line (or comma), blanks dropped."""
        text = self.inputs.get(name, "").replace(",", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class ActionOutcome:
    ok: bool = True
    outputs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # folders to put first on PATH, like $GITHUB_PATH
    env: dict[str, str] = field(default_factory=dict)  # variables for later steps, like $GITHUB_ENV


@dataclass(frozen=True)
class LocalAction:
    inputs: frozenset[str]
    run: Callable[[ActionCall], ActionOutcome]
    summary: str


def checkout(call: ActionCall) -> ActionOutcome:
    shutil.copytree(call.job.source, call.job.workspace, dirs_exist_ok=True, symlinks=True)
    return ActionOutcome(
        notes=["checked out the scratch copy of the working tree (uncommitted changes included)"]
    )


def setup_python(call: ActionCall) -> ActionOutcome:
    version = call.inputs.get("python-version", "").strip()
    if not version:
        raise RehearseError(f"{call.where}: setup-python without python-version is not supported by rehearse")
    interpreter = find_python(version, call.where)
    venv = make_venv(interpreter, call.job.tools / f"python-{version}", call.job.run, call.log)
    notes = [f"Python {interpreter.version} from {interpreter.path}, in a fresh venv"]
    if call.inputs.get("cache"):
        notes.append(f"{call.inputs['cache']} cache: the local folder {call.job.cache}")
    outputs = {
        "python-version": interpreter.version,
        "python-path": str(venv / "bin" / "python"),
        "cache-hit": "false",
    }
    env = {"pythonLocation": str(venv), "VIRTUAL_ENV": str(venv)}
    return ActionOutcome(outputs=outputs, notes=notes, path=[str(venv / "bin")], env=env)


def upload_artifact(call: ActionCall) -> ActionOutcome:
    name = call.inputs.get("name") or "artifact"
    target = call.job.artifacts / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    # glob.glob, not Path.glob: the pattern may be absolute (`${{ runner.temp }}/model.tar.gz`).
    patterns = [str(call.job.workspace / pattern) for pattern in call.lines("path")]
    found = [Path(hit) for pattern in patterns for hit in glob.glob(pattern)]  # noqa: PTH207
    # As actions/upload-artifact: paths are stored relative to their least common ancestor (one folder:
    # its contents at the artifact's root; one file: the file there).
    root = Path(os.path.commonpath(found)) if found else target
    if len(found) == 1 and found[0].is_file():
        root = root.parent
    for path in found:
        destination = target / path.relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(path, destination)
    if found:
        return ActionOutcome(notes=[f"artifact '{name}': {len(found)} path(s) kept in {target}"])
    mode = call.inputs.get("if-no-files-found", "warn")
    message = f"artifact '{name}': no files found at {call.inputs.get('path', '')!r}"
    return ActionOutcome(ok=mode != "error", notes=[message] if mode != "ignore" else [])


def download_artifact(call: ActionCall) -> ActionOutcome:
    name = call.inputs.get("name", "")
    stored = call.job.artifacts / name
    if not name or not stored.is_dir():
        raise RehearseError(
            f"{call.where}: artifact '{name}' was not uploaded earlier in this rehearsal",
            hint="rehearse the job that uploads it too (name this job and rehearse adds the jobs it needs)",
        )
    destination = call.job.workspace / call.inputs.get("path", ".")
    shutil.copytree(stored, destination, dirs_exist_ok=True)
    return ActionOutcome(notes=[f"artifact '{name}' copied to {destination}"])


def setup_buildx(call: ActionCall) -> ActionOutcome:
    runtime = call.job.runtime(call.where)
    note = f"builds use {runtime.name} ({runtime.executable})"
    if runtime.name == "podman":
        note += "; `docker` in run steps is rehearse's shim for podman"
    return ActionOutcome(outputs={"name": runtime.name, "driver": runtime.name}, notes=[note])


def build_push(call: ActionCall) -> ActionOutcome:
    runtime = call.job.runtime(call.where)
    workspace = call.job.workspace
    context = str(workspace / call.inputs.get("context", "."))
    dockerfile = str(workspace / call.inputs.get("file", "Dockerfile"))
    build_args = _build_args(call)
    tags = call.lines("tags")
    argv = runtime.build_argv(context, dockerfile, build_args, tags, call.job.build_volumes)
    if call.job.run(argv, call.log) != 0:
        return ActionOutcome(ok=False)
    digest, image_id = runtime.image_digest(tags[0]) if tags else ("", "")
    notes = [f"built {', '.join(tags) or 'an untagged image'} with {runtime.name}: {shlex.join(argv)}"]
    if call.flag("push"):
        notes.append("push: true is not honoured: a rehearsal never pushes (the image stays local)")
    if call.inputs.get("cache-from") or call.inputs.get("cache-to"):
        notes.append(f"cache-from/cache-to ignored: {runtime.name} keeps its own local layer cache")
    return ActionOutcome(outputs={"digest": digest, "imageid": image_id}, notes=notes)


def _build_args(call: ActionCall) -> list[str]:
    # Newline-separated NAME=VALUE as the action takes them; the command line's --build-arg come last, so win.
    spec_args = [line for line in call.inputs.get("build-args", "").splitlines() if line.strip()]
    return [*spec_args, *call.job.build_args]


def login(call: ActionCall) -> ActionOutcome:
    registry = call.inputs.get("registry", "docker.io")
    return ActionOutcome(notes=[f"skipped: no registry login in a rehearsal ({registry}); nothing is pushed"])


def attest(call: ActionCall) -> ActionOutcome:
    kind = "SBOM" if call.inputs.get("sbom-path") else "provenance"
    subject = f"{call.inputs.get('subject-name', '')}@{call.inputs.get('subject-digest', '')}"
    return ActionOutcome(
        notes=[f"skipped: no OIDC token in a rehearsal, so no {kind} attestation for {subject}"]
    )


def sbom(call: ActionCall) -> ActionOutcome:
    return ActionOutcome(notes=[f"skipped: no SBOM of {call.inputs.get('image', '')} in a rehearsal"])


def aws_credentials(call: ActionCall) -> ActionOutcome:
    region = call.inputs.get("aws-region", "")
    note = (
        f"no OIDC token in a rehearsal: role {call.inputs.get('role-to-assume', '')!r} is not assumed; "
        "later steps use this machine's own AWS credentials, if it has any"
    )
    return ActionOutcome(notes=[note], env={"AWS_REGION": region, "AWS_DEFAULT_REGION": region})


def setup_kubectl(call: ActionCall) -> ActionOutcome:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise ToolMissingError(f"{call.where}: azure/setup-kubectl needs kubectl on PATH in a rehearsal")
    return ActionOutcome(outputs={"kubectl-path": kubectl}, notes=[f"using {kubectl}"])


LOCAL_ACTIONS: dict[str, LocalAction] = {
    "actions/checkout": LocalAction(
        frozenset({"persist-credentials", "fetch-depth"}), checkout, "the scratch copy of the working tree"
    ),
    "actions/setup-python": LocalAction(
        frozenset({"python-version", "cache", "cache-dependency-path"}),
        setup_python,
        "a fresh venv from the local Python of that version; caches: a local pip/uv cache folder",
    ),
    "actions/upload-artifact": LocalAction(
        frozenset(
            {
                *("name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite"),
                "include-hidden-files",
            }
        ),
        upload_artifact,
        "copied into the rehearsal's artifact folder",
    ),
    "actions/download-artifact": LocalAction(
        frozenset({"name", "path"}), download_artifact, "copied from the rehearsal's artifact folder"
    ),
    "docker/setup-buildx-action": LocalAction(frozenset(), setup_buildx, "detects podman or docker"),
    "docker/build-push-action": LocalAction(
        frozenset({"context", "file", "build-args", "load", "push", "tags", "cache-from", "cache-to"}),
        build_push,
        "`podman build` (or docker) with the same context, file, args and tags; never pushes",
    ),
    "docker/login-action": LocalAction(
        frozenset({"registry", "username", "password"}), login, "skipped with a note"
    ),
    "actions/attest": LocalAction(
        frozenset(
            {"subject-name", "subject-digest", "sbom-path", "push-to-registry", "create-storage-record"}
        ),
        attest,
        "skipped with a note (no OIDC token to sign with)",
    ),
    "anchore/sbom-action": LocalAction(
        frozenset({"image", "format", "output-file", "upload-artifact", "upload-release-assets"}),
        sbom,
        "skipped with a note",
    ),
    "aws-actions/configure-aws-credentials": LocalAction(
        frozenset({"role-to-assume", "aws-region"}),
        aws_credentials,
        "skipped with a note (no OIDC); the machine's own AWS credentials apply",
    ),
    "azure/setup-kubectl": LocalAction(frozenset({"version"}), setup_kubectl, "kubectl from PATH"),
}


def local_action(name: str, inputs: dict[str, str], where: str) -> LocalAction:
    """The local equivalent of action `name`, after checking that every input is understood."""
    action = LOCAL_ACTIONS.get(name)
    if action is None:
        known = ", ".join(sorted(LOCAL_ACTIONS))
        raise RehearseError(
            f"{where}: action '{name}' has no local equivalent in rehearse (it knows: {known})"
        )
    unknown = sorted(set(inputs) - action.inputs)
    if unknown:
        raise RehearseError(f"{where}: input '{unknown[0]}' of {name} is not supported by rehearse")
    return action
