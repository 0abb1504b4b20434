"""Shared pieces of the security regression tests: a project with an override folder of our choosing."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import GOLDEN, copy_project, keep_hypothesis_out_of_the_tree

keep_hypothesis_out_of_the_tree()

# Protocol-0 pickle of `os.system("touch PWNED")`: ASCII, so a template can pass it as a string.
PICKLE_PAYLOAD = "cos\\nsystem\\n(S'touch {marker}'\\ntR."


def override_project(tmp_path: Path, case: str, templates: dict[str, str]) -> Path:
    """A copy of golden case `case` whose spec names an override folder holding `templates`."""
    project = copy_project(GOLDEN / case, tmp_path / "project")
    folder = project / "hostile-templates"
    for name, text in templates.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    spec = project / "ci-gen.yaml"
    spec.write_text(spec.read_text() + "templates: [hostile-templates]\n")
    return project
