"""A project on disk: its spec, its template folders, and the workflows they render to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.defaults import ADD_HASHES
from generator.digest import inputs_digest
from generator.errors import Problem, SpecError
from generator.location import Location as Location  # re-exported for the commands
from generator.paths import is_inside, read_bytes_capped
from generator.plan import Plan, resolve_plan
from generator.render.render import render, template_sources
from generator.render.templates import TemplateSet
from generator.render.verify import verify
from generator.spec.load import load_spec_text, read_spec
from generator.spec.model import Spec
from generator.spec.source import Document


@dataclass(frozen=True)
class Loaded:
    location: Location
    spec: Spec
    document: Document
    spec_bytes: bytes
    templates: TemplateSet
    plan: Plan


@dataclass(frozen=True)
class Rendering:
    loaded: Loaded
    inputs: str
    outputs: dict[str, str]  # relative path -> text


def load(location: Location, spec_text: str | None = None) -> Loaded:
    """Read and validate the spec (or `spec_text`, as if it were the spec), check the files it names,
    and resolve the plan."""
    display = location.display(location.spec)
    if spec_text is None:
        spec, document = read_spec(location.spec, display)
    else:
        spec, document = load_spec_text(spec_text, display)
    check_files(spec, document, location.root)
    folders = (*location.extra_templates, *(location.root / t for t in spec.template_folders))
    templates = _with_packs(folders, spec, document, location) if spec.packs else TemplateSet(folders)
    plan = resolve_plan(spec, location.spec_name)
    spec_bytes = read_bytes_capped(location.spec) if spec_text is None else spec_text.encode("utf-8")
    return Loaded(location, spec, document, spec_bytes, templates, plan)


def _with_packs(folders: tuple[Path, ...], spec: Spec, document: Document, location: Location) -> TemplateSet:
    # Imported here: resolving packs needs importlib.metadata and git, which a spec without packs does not.
    from generator.packs.locked import check_locked
    from generator.packs.resolve import resolve_packs

    packs = resolve_packs(spec, document, location.root)
    templates = TemplateSet(folders, packs)
    if packs:
        check_locked(templates.overrides, packs, templates.builtin, location.display)
    return templates


def load_text(location: Location, text: str) -> Spec:
    """Validate spec text that is not on disk yet (used by `init` before it writes)."""
    spec, document = load_spec_text(text, location.display(location.spec))
    check_files(spec, document, location.root)
    return spec


def render_project(location: Location, spec_text: str | None = None) -> Rendering:
    """Load, render and verify; nothing is written. Raises on any problem."""
    return render_loaded(load(location, spec_text))


def render_loaded(loaded: Loaded) -> Rendering:
    """Render and verify a project already loaded."""
    packs = [(pack.identity, pack.root) for pack in loaded.templates.packs]
    inputs = inputs_digest(loaded.spec_bytes, loaded.templates.overrides, packs)
    outputs = render(loaded.plan, loaded.templates, inputs)
    verify(outputs, template_sources(loaded.templates))
    return Rendering(loaded, inputs, outputs)


def lock_warnings(plan: Plan, root: Path) -> list[str]:
    """Locks the spec names that do not exist yet, or whose hashes the spec misjudges: valid, but the
    first CI run's lock job would fail (or install a hashed file without checking its hashes)."""
    warnings = []
    for lock in plan.checked_locks:
        path = root / lock.output
        if not path.is_file():
            why = "the lock job fails without it"
            warnings.append(f"{lock.output} does not exist yet: run `ci-gen lock` and commit it ({why})")
        elif lock.kind == "pinned":
            warnings += _pinned_hash_warnings(
                lock.output, lock.hashes, path.read_text(encoding="utf-8", errors="replace")
            )
    return warnings


def _pinned_hash_warnings(name: str, hashes: bool, text: str) -> list[str]:
    if hashes and "--hash" not in text:
        return [f"{name} has no hashes but the spec installs it with --require-hashes: {ADD_HASHES}"]
    if not hashes and "--hash" in text:
        return [f"{name} has hashes but the spec says hashes: false, so pip does not check them: set it true"]
    return []


def lock_offers(plan: Plan) -> list[str]:
    """What `validate` and `ci-gen lock` offer for the project's own pinned files without hashes."""
    return [
        f"{lock.output} is pinned without hashes; {ADD_HASHES}"
        for lock in plan.checked_locks
        if not lock.hashes
    ]


def check_files(spec: Spec, document: Document, root: Path) -> None:
    """Every file and folder the spec names must exist, or the workflows would fail later and further away."""
    wanted: list[tuple[tuple[str | int, ...], str, bool]] = []
    runtime = document.data.get("dependencies", {}) if isinstance(document.data, dict) else {}
    wanted.append((_lock_path(runtime, "runtime"), spec.dependencies.runtime.input, False))
    for index, dev in enumerate(spec.dependencies.dev):
        wanted.append((("dependencies", "dev", index), dev.input, False))
    if spec.container:
        wanted.append((("container", "dockerfile"), spec.container.dockerfile, False))
        wanted.append((("container", "context"), spec.container.context, True))
        if spec.container.sample_request:
            wanted.append((("container", "sample-request"), spec.container.sample_request, False))
    replay = spec.model.champion.replay if spec.model and spec.model.champion else None
    if replay is not None:
        wanted.append((("model", "champion", "replay", "requests"), replay.requests, False))
    for index, folder in enumerate(spec.templates):
        if isinstance(folder, str):  # packs are checked when they are resolved
            wanted.append((("templates", index), folder, True))
    problems = [
        _missing(document, path, name, folder)
        for path, name, folder in wanted
        if not _exists(root / name, folder)
    ]
    problems += [
        document.problem(path, f"'{name}' is a link that leaves the project ({(root / name).resolve()})")
        for path, name, _ in wanted
        if not is_inside(root, root / name)
    ]
    if problems:
        raise SpecError(problems)


def _lock_path(section: object, key: str) -> tuple[str | int, ...]:
    value = section.get(key) if isinstance(section, dict) else None
    return ("dependencies", key, "input") if isinstance(value, dict) else ("dependencies", key)


def _exists(path: Path, folder: bool) -> bool:
    return path.is_dir() if folder else path.is_file()


def _missing(document: Document, path: tuple[str | int, ...], name: str, folder: bool) -> Problem:
    kind = "folder" if folder else "file"
    return document.problem(path, f"{kind} '{name}' does not exist (create it or fix the path)")
