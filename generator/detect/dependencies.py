"""Which lock a project already keeps, and how ci-gen adopts it rather than imposing a competing one.

uv.lock is adopted natively; a fully pinned requirements.txt is used as the lock; ranged requirements get
.in files that `init` compiles into locks; pyproject dependencies, optional dependencies and PEP 735 groups
become lock inputs and dev sources; Poetry and PDM locks are named with the next step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.detect.poetry import (
    PoetryInputs,
    first_pins,
    group_input,
    locked_versions,
    poetry_inputs,
)

DEV_INPUTS = ("requirements-dev.in", "requirements-test.in", "dev-requirements.in", "test-requirements.in")
DEV_FILES = ("requirements-dev.txt", "requirements-test.txt", "dev-requirements.txt", "test-requirements.txt")
DEV_EXTRAS = ("dev", "test", "tests", "testing")
_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^\s;]+")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_TEST_RUNNERS = {"pytest"}


@dataclass
class Dependencies:
    """What `init` writes under `dependencies:` and which input files it creates first."""

    lock_tool: str = "pip-tools"
    runtime: str | dict[str, Any] = "requirements.in"
    dev: list[str | dict[str, Any]] = field(default_factory=list)
    install_project: bool | None = None  # None: the spec's default is right
    create: dict[str, str] = field(default_factory=dict)  # new .in files: path -> text
    notes: list[str] = field(default_factory=list)


def detect_dependencies(root: Path, pyproject: dict[str, Any], has_tests: bool) -> Dependencies:
    for detector in (_uv_lock, _requirements_in, _requirements_txt, _pyproject, _poetry_project):
        found = detector(root, pyproject)
        if found is not None:
            _other_lock_notes(root, found)
            if has_tests:
                _ensure_test_runner(root, pyproject, found)
            return found
    found = Dependencies(notes=["no requirements or pyproject dependencies found: create requirements.in"])
    _other_lock_notes(root, found)
    return found


def is_pinned(text: str) -> bool:
    """Every requirement line is `name==version` (comments, options and hashes aside)."""
    lines = [line for line in _requirement_lines(text) if not line.startswith("-")]
    return bool(lines) and all(_PIN.match(line) for line in lines)


def has_hashes(text: str) -> bool:
    return "--hash=" in text


def package_names(text: str) -> set[str]:
    """Normalised names of the requirement lines in a requirements file."""
    names = set()
    for line in _requirement_lines(text):
        match = _NAME.match(line)
        if match and not line.startswith("-"):
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def is_package(pyproject: dict[str, Any]) -> bool:
    """A project pip can install: a build system, and not `[tool.uv] package = false`."""
    if pyproject.get("tool", {}).get("uv", {}).get("package") is False:
        return False
    return "build-system" in pyproject


def _requirement_lines(text: str) -> list[str]:
    joined = text.replace("\\\n", " ")
    lines = (line.split(" #", 1)[0].strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _uv_lock(root: Path, pyproject: dict[str, Any]) -> Dependencies | None:
    if not (root / "uv.lock").is_file() or not pyproject:
        return None
    found = Dependencies(lock_tool="uv", runtime="uv.lock", install_project=is_package(pyproject))
    groups = sorted(pyproject.get("dependency-groups", {}))
    extras = [e for e in DEV_EXTRAS if e in pyproject.get("project", {}).get("optional-dependencies", {})]
    if groups:
        found.dev = [{"input": "uv.lock", "groups": groups}]
    elif extras:
        found.dev = [{"input": "uv.lock", "extras": extras[:1]}]
    found.notes.append("adopted uv.lock: the lock job runs `uv lock --check`, installs export its pins")
    return found


def _requirements_in(root: Path, pyproject: dict[str, Any]) -> Dependencies | None:
    if not (root / "requirements.in").is_file():
        return None
    return Dependencies(runtime="requirements.in", dev=[n for n in DEV_INPUTS if (root / n).is_file()])


def _requirements_txt(root: Path, pyproject: dict[str, Any]) -> Dependencies | None:
    path = root / "requirements.txt"
    if not path.is_file() or pyproject.get("project", {}).get("dependencies"):
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    found = Dependencies()
    if is_pinned(text):
        found.runtime = _adopted("requirements.txt", text)
        found.notes.append(f"adopted requirements.txt as the runtime lock (pinned{_hash_note(text)})")
    else:
        found.create["requirements.in"] = _as_input(text, "requirements.txt")
        found.notes.append("requirements.txt has ranges: copied them to requirements.in, locked into it")
    _dev_files(root, found)
    return found


def _dev_files(root: Path, found: Dependencies) -> None:
    for name in DEV_FILES:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if is_pinned(text):
            found.dev.append(_adopted(name, text))
            found.notes.append(f"adopted {name} as a dev lock (pinned{_hash_note(text)})")
        else:
            source = name.removesuffix(".txt") + ".in"
            found.create[source] = "-c requirements.txt\n" + _as_input(text, name, drop_runtime=True)
            found.dev.append(source)
            found.notes.append(f"{name} has ranges: copied them to {source}, locked into {name}")
        return


def _adopted(name: str, text: str) -> str | dict[str, Any]:
    return name if has_hashes(text) else {"input": name, "hashes": False}


def _hash_note(text: str) -> str:
    if has_hashes(text):
        return ", with hashes"
    return (
        "; no hashes, so it is installed unverified and pip resolves what it leaves out. To add hashes "
        "keeping exactly its pins: `ci-gen lock --add-hashes`"
    )


def _as_input(text: str, name: str, *, drop_runtime: bool = False) -> str:
    lines = [f"# Top-level requirements, from {name} (ci-gen init). `ci-gen lock` compiles the lock."]
    for line in text.splitlines():
        if drop_runtime and re.match(r"^\s*(-r|--requirement)\s*requirements\.txt\s*$", line):
            continue
        lines.append(line)
    return "\n".join(lines).rstrip("\n") + "\n"


def _pyproject(root: Path, pyproject: dict[str, Any]) -> Dependencies | None:
    project = pyproject.get("project", {})
    if project.get("dependencies") is None:
        return None
    found = Dependencies(runtime="pyproject.toml", install_project=is_package(pyproject))
    groups = sorted(pyproject.get("dependency-groups", {}))
    extras = [e for e in DEV_EXTRAS if e in project.get("optional-dependencies", {})]
    if groups:
        found.lock_tool = "uv"  # pip-compile cannot read [dependency-groups]
        found.dev = [{"input": "pyproject.toml", "groups": groups}]
    elif extras:
        found.dev = [{"input": "pyproject.toml", "extras": extras[:1]}]
    if "poetry" in pyproject.get("tool", {}):
        _poetry(root, pyproject, found, poetry_inputs(pyproject))
    return found


def _poetry_project(root: Path, pyproject: dict[str, Any]) -> Dependencies | None:
    """Poetry 1: the main dependencies are [tool.poetry.dependencies], copied to requirements.in."""
    inputs = poetry_inputs(pyproject)
    if not inputs.main and not pyproject.get("tool", {}).get("poetry", {}).get("dependencies"):
        return None
    found = Dependencies(runtime="requirements.in", install_project=is_package(pyproject))
    header = "# From [tool.poetry.dependencies] (ci-gen init). `ci-gen lock` compiles requirements.txt.\n"
    found.create["requirements.in"] = header + "".join(f"{line}\n" for line in inputs.main)
    found.notes.append("Poetry's main dependencies copied to requirements.in, locked into requirements.txt")
    _poetry(root, pyproject, found, inputs)
    return found


def _poetry(root: Path, pyproject: dict[str, Any], found: Dependencies, inputs: PoetryInputs) -> None:
    """Each Poetry group becomes a dev input; poetry.lock's versions are where every lock starts."""
    found.notes += inputs.notes
    for group, lines in inputs.groups.items():
        name = group_input(group)
        if (root / name).exists() or name in found.create:
            found.notes.append(f"Poetry group {group}: {name} exists already; not replaced")
            continue
        text = f"# From Poetry's {group} group (ci-gen init); keep the two in step.\n-c requirements.txt\n"
        found.create[name] = text + "".join(f"{line}\n" for line in lines)
        found.dev.append(name)
        found.notes.append(f"Poetry group {group} copied to {name}, locked into {name[:-3]}.txt")
        _start_from_poetry_lock(root, found, f"{name[:-3]}.txt", group)
    _start_from_poetry_lock(root, found, "requirements.txt", "main")


def _start_from_poetry_lock(root: Path, found: Dependencies, lock: str, group: str) -> None:
    pins = locked_versions(root, group) if (root / "poetry.lock").is_file() else {}
    if pins and not (root / lock).exists():
        found.create[lock] = first_pins(pins)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def _other_lock_notes(root: Path, found: Dependencies) -> None:
    steps = {
        "poetry.lock": "poetry.lock found: ci-gen does not install from it; the requirements locks it "
        "compiles from the same dependencies start from poetry.lock's versions. So that the image runs "
        "what the tests ran, install the runtime lock in the Dockerfile (`pip install --require-hashes "
        "--no-deps -r requirements.txt`; `ci-gen doctor` checks it)",
        "pdm.lock": "pdm.lock found; ci-gen cannot install from it. Next step: "
        "`pdm export --dev -o requirements.txt` and adopt that, or let ci-gen lock pyproject.toml",
    }
    found.notes += [step for name, step in steps.items() if (root / name).is_file()]


def _ensure_test_runner(root: Path, pyproject: dict[str, Any], found: Dependencies) -> None:
    """The test job runs pytest from the locks; add a dev input with it when no dev source has it."""
    if _declares_pytest(root, pyproject, found):
        return
    if found.runtime == "uv.lock":
        found.notes.append("no dependency group installs pytest: run `uv add --dev pytest`")
        return
    name = next(
        n
        for n in ("requirements-dev.in", "requirements-test.in", "requirements-ci.in")
        if n not in found.create and not (root / n).exists() and not (root / f"{n[:-3]}.txt").exists()
    )
    runtime = found.runtime if isinstance(found.runtime, str) else str(found.runtime["input"])
    constraint = "-c requirements.txt\n" if runtime in ("requirements.in", "requirements.txt") else ""
    found.create[name] = f"{constraint}pytest\n"
    found.dev.append(name)
    found.notes.append(f"no dev dependencies with pytest: wrote {name} (pytest) for the tests")


def _declares_pytest(root: Path, pyproject: dict[str, Any], found: Dependencies) -> bool:
    entries = (found.runtime, *found.dev)
    names = [d if isinstance(d, str) else str(d["input"]) for d in entries]
    texts = [found.create.get(n) or _read(root / n) for n in names if not n.endswith((".toml", ".lock"))]
    for group in pyproject.get("dependency-groups", {}).values():
        texts.append("\n".join(str(item) for item in group))
    for extra in pyproject.get("project", {}).get("optional-dependencies", {}).values():
        texts.append("\n".join(str(item) for item in extra))
    return any(_TEST_RUNNERS & package_names(text) for text in texts if text)
