"""requirements/action.txt, the hashed lock the Action installs ci-gen's dependencies from.

Its pins must be the versions this suite runs with (requirements/dev.txt), so the Action runs exactly
what was tested. Refresh both with `make lock`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)(?: ; (.+?))? \\$")


def pins(path: Path) -> dict[tuple[str, str], str]:
    """(normalised name, marker) -> version."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            found[(normalise(match[1]), match[3] or "")] = match[2]
    return found


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_requirement_is_pinned_with_hashes() -> None:
    text = (ROOT / "requirements" / "action.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2])
    assert len(blocks) == len(pins(ROOT / "requirements" / "action.txt")) > 10
    assert all("--hash=sha256:" in block for block in blocks)


def test_pins_are_the_tested_versions() -> None:
    action = pins(ROOT / "requirements" / "action.txt")
    dev = pins(ROOT / "requirements" / "dev.txt")
    # The same version under the same marker, or under none (dev needs some packages on every Python).
    differ = {key: v for key, v in action.items() if v not in (dev.get(key), dev.get((key[0], "")))}
    assert differ == {}


def test_lock_covers_the_runtime_dependencies_and_the_build_backend() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = {name for name, _ in pins(ROOT / "requirements" / "action.txt")}
    wanted = {normalise(re.split(r"[^A-Za-z0-9._-]", dep)[0]) for dep in pyproject["project"]["dependencies"]}
    assert wanted <= names
    (backend,) = pyproject["build-system"]["requires"]
    name, version = backend.split("==")
    assert pins(ROOT / "requirements" / "action.txt")[(name, "")] == version


def test_the_kubernetes_lock_for_deploys_agrees_with_the_action_lock() -> None:
    # Deploy steps install both locks in one pip call; a package in both must have one version.
    kubernetes = pins(ROOT / "requirements" / "action-kubernetes.txt")
    action = pins(ROOT / "requirements" / "action.txt")
    assert any(name == "kubernetes" for name, _ in kubernetes)
    shared = set(kubernetes) & set(action)
    assert {key: kubernetes[key] for key in shared} == {key: action[key] for key in shared}
    text = (ROOT / "requirements" / "action-kubernetes.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks)
    assert len(re.findall(r"^\S+==", text, re.M)) == len(kubernetes)


def test_the_monitor_lock_agrees_with_the_other_locks_it_is_installed_with() -> None:
    # Deploy and monitor steps install action, kubernetes and monitor locks in one pip call.
    monitor = pins(ROOT / "requirements" / "action-monitor.txt")
    assert {"numpy", "scipy", "matplotlib"} <= {name for name, _ in monitor}
    for other in ("action.txt", "action-kubernetes.txt", "dev.txt"):
        theirs = pins(ROOT / "requirements" / other)
        shared = set(monitor) & set(theirs)
        assert {key: monitor[key] for key in shared} == {key: theirs[key] for key in shared}, other
    text = (ROOT / "requirements" / "action-monitor.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks)


def test_the_tracking_lock_agrees_with_the_locks_it_is_installed_with() -> None:
    # Deploy steps that reach a tracking server install it with the action, kubernetes and monitor locks.
    tracking = pins(ROOT / "requirements" / "action-tracking.txt")
    assert {"mlflow-skinny", "sqlalchemy", "alembic"} <= {name for name, _ in tracking}
    assert "mlflow" not in {name for name, _ in tracking}  # the client only: no server, no UI
    for other in ("action.txt", "action-kubernetes.txt", "action-monitor.txt", "dev.txt"):
        theirs = pins(ROOT / "requirements" / other)
        shared = set(tracking) & set(theirs)
        assert {key: tracking[key] for key in shared} == {key: theirs[key] for key in shared}, other
    text = (ROOT / "requirements" / "action-tracking.txt").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks)
