"""A project on disk: its spec, its template folders, and the workflows they render to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.digest import inputs_digest
from generator.errors import Problem, SpecError, UsageError
from generator.plan import Plan, resolve_plan
from generator.render.render import render
from generator.render.templates import TemplateSet
from generator.render.verify import verify
from generator.spec.load import load_spec_text, read_spec
from generator.spec.model import Spec
from generator.spec.source import Document

DEFAULT_SPEC = "ci-gen.yaml"


@dataclass(frozen=True)
class Location:
    """Where to work: the project root and the spec, plus override folders given on the command line."""

    root: Path
    spec: Path
    extra_templates: tuple[Path, ...] = ()

    @classmethod
    def find(cls, directory: Path | None, spec: Path | None, templates: tuple[Path, ...] = ()) -> Location:
        root = (directory or Path.cwd()).resolve()
        if not root.is_dir():
            raise UsageError(f"no such directory: {directory}")
        spec_path = (root / spec) if spec else root / DEFAULT_SPEC
        # Paths in the spec are relative to the spec's folder, which is also where workflows go.
        return cls(spec_path.parent.resolve(), spec_path.resolve(), tuple(root / t for t in templates))

    @property
    def spec_name(self) -> str:
        return self.spec.name

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return str(path)


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


def load(location: Location) -> Loaded:
    """Read and validate the spec, check the files it names, and resolve the plan."""
    display = location.display(location.spec)
    spec, document = read_spec(location.spec, display)
    check_files(spec, document, location.root)
    folders = (*location.extra_templates, *(location.root / t for t in spec.templates))
    templates = TemplateSet(folders)
    plan = resolve_plan(spec, location.spec_name)
    return Loaded(location, spec, document, location.spec.read_bytes(), templates, plan)


def load_text(location: Location, text: str) -> Spec:
    """Validate spec text that is not on disk yet (used by `init` before it writes)."""
    spec, document = load_spec_text(text, location.display(location.spec))
    check_files(spec, document, location.root)
    return spec


def render_project(location: Location) -> Rendering:
    """Load, render and verify; nothing is written. Raises on any problem."""
    loaded = load(location)
    inputs = inputs_digest(loaded.spec_bytes, loaded.templates.overrides)
    outputs = render(loaded.plan, loaded.templates, inputs)
    verify(outputs)
    return Rendering(loaded, inputs, outputs)


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
    for index, folder in enumerate(spec.templates):
        wanted.append((("templates", index), folder, True))
    problems = [
        _missing(document, path, name, folder)
        for path, name, folder in wanted
        if not _exists(root / name, folder)
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
