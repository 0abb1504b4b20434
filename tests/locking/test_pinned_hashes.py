"""`ci-gen lock --add-hashes`: a project's own pinned requirements.txt gains hashes, keeping exactly its
pins; the spec then installs it with --require-hashes. Real uv and pip-tools against PyPI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.locking.requirements_file import entries, pin_of
from tests.helpers import run, snapshot

FIXTURE = Path(__file__).parents[1] / "fixtures" / "flask-gunicorn-pinned"
SPEC = """\
version: 1
project: p
python: "3.11"
dependencies:
  lock-tool: {tool}  # a comment that stays
  runtime:
    input: requirements.txt
    hashes: false   # set by init
"""


def project(tmp_path: Path, tool: str = "uv", requirements: str | None = None) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FIXTURE, root)
    if requirements is not None:
        (root / "requirements.txt").write_text(requirements)
    (root / "ci-gen.yaml").write_text(SPEC.format(tool=tool))
    return root


def pins(text: str) -> dict[str, str]:
    found = (pin_of(e) for e in entries(text) if e.is_requirement)
    return {p.name: p.version for p in found if p}


def assert_hashed_keeping_pins(root: Path, before: str) -> None:
    after = (root / "requirements.txt").read_text()
    old, new = pins(before), pins(after)
    assert {name: new[name] for name in old} == old
    assert set(new) - set(old) == {"cloudpickle"}  # joblib 1.6 needs it; the pip-freeze file lacked it
    assert all(e.hashes for e in entries(after) if e.is_requirement)
    for line in before.splitlines():  # every line as written, now followed by its hashes
        assert f"{line} \\" in after.splitlines()
    spec = (root / "ci-gen.yaml").read_text()
    assert spec == SPEC.format(tool=spec.split("lock-tool: ")[1].split()[0]).replace("false", "true")


@pytest.mark.slow
def test_uv_adds_hashes_to_the_fixture_keeping_every_pin(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = (root / "requirements.txt").read_text()
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 0, result.output
    assert "added hashes to requirements.txt, keeping every pin, resolved with uv for Python 3.11" in (
        result.output
    )
    assert "added 1 pin(s) it lacked: cloudpickle==3.1.3" in result.output
    assert "ci-gen.yaml: hashes on for requirements.txt (installed with --require-hashes)" in result.output
    assert_hashed_keeping_pins(root, before)
    validate = run(["-C", str(root), "validate"])
    assert validate.exit_code == 0 and "warning" not in validate.output + validate.stderr
    assert "without hashes" not in validate.output
    again = run(["-C", str(root), "lock", "--add-hashes"])
    assert "requirements.txt: its pins and hashes are current" in again.output
    plain = run(["-C", str(root), "lock"])
    assert "kept as it is (after changing a pin, `ci-gen lock --add-hashes` refreshes its hashes)" in (
        plain.output
    )


@pytest.mark.slow
def test_pip_tools_on_the_specs_python_does_the_same(tmp_path: Path) -> None:
    root = project(tmp_path, tool="pip-tools")
    before = (root / "requirements.txt").read_text()
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 0, result.output
    assert "resolved with pip-compile on Python 3.11." in result.output
    assert_hashed_keeping_pins(root, before)


@pytest.mark.slow
def test_a_bumped_pin_gets_its_new_hashes(tmp_path: Path) -> None:
    root = project(tmp_path, requirements="itsdangerous==2.2.0  # signing\n")
    assert run(["-C", str(root), "lock", "--add-hashes"]).exit_code == 0
    hashed = (root / "requirements.txt").read_text()
    assert hashed.endswith("  # signing\n")
    (root / "requirements.txt").write_text(hashed.replace("2.2.0", "2.1.2"))
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 0, result.output
    bumped = entries((root / "requirements.txt").read_text())
    assert bumped[0].content == "itsdangerous==2.1.2"
    assert bumped[0].hashes and not set(bumped[0].hashes) & set(entries(hashed)[0].hashes)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("requirements", "message"),
    [
        ("flask==3.1.3\nwerkzeug==2.0.0\n", "requirements.txt: its pins cannot be installed together"),
        (
            'itsdangerous==2.2.0\npywin32==306; sys_platform == "win32"\n',
            "requirements.txt:2: pywin32==306 is not installed on Python 3.11 (its marker excludes it)",
        ),
    ],
)
def test_pins_the_resolution_cannot_keep_are_refused_and_nothing_changes(
    tmp_path: Path, requirements: str, message: str
) -> None:
    root = project(tmp_path, requirements=requirements)
    before = snapshot(root)
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("requirements", "message"),
    [
        ("-r base.txt\nflask==3.1.3\n", "requirements.txt:1: `-r base.txt`: base.txt does not exist"),
        ("-r ../../x.txt\nflask==3.1.3\n", "requirements.txt:1: `-r ../../x.txt` leaves the project"),
        ("flask==3.1.3\nnumpy==2.*\n", "requirements.txt:2: `numpy==2.*` is not an exact == pin"),
        ("flask==3.1.3\n-e .\n", "requirements.txt:2: `-e .`: hashes are added to pins and -r/-c files"),
    ],
)
def test_a_file_that_is_not_a_plain_list_of_pins_is_refused_before_resolving(
    tmp_path: Path, requirements: str, message: str
) -> None:
    root = project(tmp_path, requirements=requirements)
    before = snapshot(root)
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(root) == before


def test_validate_offers_hashes_and_warns_when_the_spec_misjudges_the_file(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = run(["-C", str(root), "validate"])
    assert "requirements.txt is pinned without hashes; to add hashes keeping exactly its pins: " in (
        result.output
    )
    assert "ci-gen lock --add-hashes" in result.output
    (root / "ci-gen.yaml").write_text(SPEC.format(tool="uv").replace("false", "true"))
    result = run(["-C", str(root), "validate"])
    assert "warning: requirements.txt has no hashes but the spec installs it with --require-hashes" in (
        result.stderr
    )


def test_a_spec_without_an_adopted_pinned_file_is_told_so(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "requirements.in").write_text("flask\n")
    (root / "ci-gen.yaml").write_text('version: 1\nproject: p\npython: "3.11"\n')
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 2
    assert "adopts no pinned requirements .txt file" in result.output


TWO_LOCKS = """\
version: 1
project: p
python: "3.11"
dependencies:
  lock-tool: uv
  runtime: {input: requirements.txt, hashes: false}
  dev: [{input: requirements-dev.txt, hashes: false}]
"""


def two_locks(tmp_path: Path, dev: str) -> Path:
    root = tmp_path / "p"
    root.mkdir()
    (root / "requirements.txt").write_text("flask==3.1.3\n")
    (root / "requirements-dev.txt").write_text(dev)
    (root / "ci-gen.yaml").write_text(TWO_LOCKS)
    return root


@pytest.mark.slow
def test_a_dev_file_that_includes_the_runtime_file_keeps_the_line_and_repeats_nothing(tmp_path: Path) -> None:
    root = two_locks(tmp_path, "-r requirements.txt\npytest==8.4.2\n")
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 0, result.output
    runtime = pins((root / "requirements.txt").read_text())
    assert {"flask", "werkzeug", "jinja2", "markupsafe", "click", "blinker", "itsdangerous"} <= set(runtime)
    dev_text = (root / "requirements-dev.txt").read_text()
    assert dev_text.startswith("-r requirements.txt\npytest==8.4.2 \\\n")
    assert set(pins(dev_text)) == {"pytest", "iniconfig", "packaging", "pluggy", "pygments"}
    assert "hashes on for requirements-dev.txt" in result.output
    assert "hashes: false" not in (root / "ci-gen.yaml").read_text()


@pytest.mark.slow
def test_a_dev_file_is_resolved_within_the_runtime_pins(tmp_path: Path) -> None:
    root = two_locks(tmp_path, "jinja2==3.1.6\n")  # needs markupsafe, which the runtime lock pins
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 0, result.output
    assert set(pins((root / "requirements-dev.txt").read_text())) == {"jinja2"}
    assert "markupsafe" in pins((root / "requirements.txt").read_text())


def test_an_included_file_without_hashes_that_no_lock_names_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, requirements="-r base.txt\nflask==3.1.3\n")
    (root / "base.txt").write_text("click==8.5.1\n")
    before = snapshot(root)
    result = run(["-C", str(root), "lock", "--add-hashes"])
    assert result.exit_code == 2
    assert "`-r base.txt`: base.txt has no hashes, so pip cannot install it with --require-hashes" in (
        result.output
    )
    assert snapshot(root) == before
