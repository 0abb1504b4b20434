"""Where a command works: the project root, the spec, and override folders from the command line.

Kept free of heavy imports: `ci-gen check` resolves a Location before it knows whether it must render.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError

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
