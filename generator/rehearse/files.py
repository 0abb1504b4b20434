"""The files a runner gives each step ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_PATH, $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FILE_COMMANDS = {
    "GITHUB_OUTPUT": "output",
    "GITHUB_ENV": "env",
    "GITHUB_PATH": "path",
    "GITHUB_STEP_SUMMARY": "summary",
}


@dataclass(frozen=True)
class StepFiles:
    """The four files of one step, created empty before it runs."""

    folder: Path
    number: int

    def paths(self) -> dict[str, Path]:
        return {variable: self.folder / f"{kind}_{self.number}" for variable, kind in FILE_COMMANDS.items()}

    def create(self) -> dict[str, str]:
        """Create the files; return them as environment variables."""
        self.folder.mkdir(parents=True, exist_ok=True)
        paths = self.paths()
        for path in paths.values():
            path.write_text("", encoding="utf-8")
        return {variable: str(path) for variable, path in paths.items()}

    def read(self, variable: str) -> str:
        path = self.paths()[variable]
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def outputs(self) -> dict[str, str]:
        return parse_assignments(self.read("GITHUB_OUTPUT"))

    def env(self) -> dict[str, str]:
        return parse_assignments(self.read("GITHUB_ENV"))

    def path_entries(self) -> list[str]:
        return [line.strip() for line in self.read("GITHUB_PATH").splitlines() if line.strip()]

    def summary(self) -> str:
        return self.read("GITHUB_STEP_SUMMARY")


def parse_assignments(text: str) -> dict[str, str]:
    """`NAME=value` lines and `NAME<<DELIMITER` ... `DELIMITER` blocks, as GitHub reads them."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            while index < len(lines) and lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1  # the delimiter line
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values
