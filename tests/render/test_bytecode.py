"""The templates' bytecode cache: reused when nothing changed, ignored when anything about an entry is off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.project import Location, render_project
from generator.render import bytecode
from generator.render.bytecode import TemplateBytecodeCache, decode_entry, encode_entry, template_cache
from generator.render.templates import TemplateSet
from tests.conftest import GOLDEN
from tests.helpers import copy_project

CASE = GOLDEN / "template-override"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CI_GEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CI_GEN_NO_CACHE", raising=False)
    return tmp_path / "cache" / "templates"


def render(case: Path = CASE) -> dict[str, str]:
    return render_project(Location.find(case, None, ())).outputs


def uncached(monkeypatch: pytest.MonkeyPatch, case: Path = CASE) -> dict[str, str]:
    with monkeypatch.context() as patch:
        patch.setenv("CI_GEN_NO_CACHE", "1")
        return render(case)


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if len(p.name) == 64)


def test_a_second_render_compiles_nothing(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = render()
    written = entries(cache)
    assert written, "the first render fills the cache"
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in written)
    assert cache.stat().st_mode & 0o777 == 0o700
    compiled: list[str] = []
    original = TemplateSet.environment

    def counting(self: TemplateSet) -> object:
        env = original(self)
        compile_ = env.compile
        env.compile = lambda *a, **k: compiled.append(a[1]) or compile_(*a, **k)  # type: ignore[method-assign]
        return env

    monkeypatch.setattr(TemplateSet, "environment", counting)
    assert render() == first
    assert compiled == []
    assert entries(cache) == written
    assert uncached(monkeypatch) == first
    assert compiled  # the same check sees compiles when there is no cache


def test_a_changed_template_gets_a_new_entry(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(CASE, tmp_path / "project")
    render(project)
    count = len(entries(cache))
    override = project / "ci-templates" / "licenses.yml.j2"
    override.write_text(override.read_text() + "# changed\n")
    changed = render(project)
    assert changed[".github/workflows/licenses.yml"].endswith("# changed\n")
    assert changed == uncached(monkeypatch, project)
    assert len(entries(cache)) == count + 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],  # a torn write
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # a flipped bit
        lambda data: b"j2" + data,  # another format (Jinja's own starts with j2)
    ],
    ids=["empty", "torn", "flipped", "foreign"],
)
def test_damaged_entries_are_ignored_and_replaced(
    cache: Path, monkeypatch: pytest.MonkeyPatch, damage: object
) -> None:
    expected = render()
    for path in entries(cache):
        path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert render() == expected == uncached(monkeypatch)
    assert all(decode_entry(p.read_bytes()) is not None for p in entries(cache))


def planted(path: Path) -> None:
    """Replace the code of an entry with code that leaves a mark, in a well-formed entry."""
    mark = path.parent.parent / "planted"
    path.write_bytes(encode_entry(compile(f"open({str(mark)!r}, 'w').close()", "x", "exec")))
    path.chmod(0o600)


def test_an_entry_others_can_write_is_never_loaded(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = render()
    for path in entries(cache):
        planted(path)
        path.chmod(0o666)
    assert render() == expected
    assert not (cache.parent / "planted").exists()


def test_an_entry_that_is_a_link_is_never_loaded(cache: Path, tmp_path: Path) -> None:
    expected = render()
    for path in entries(cache):
        elsewhere = tmp_path / path.name
        elsewhere.write_bytes(path.read_bytes())
        planted(elsewhere)
        path.unlink()
        path.symlink_to(elsewhere)
    assert render() == expected
    assert not (cache.parent / "planted").exists()


@pytest.mark.parametrize("shared", ["folder", "parent"])
def test_a_folder_others_can_write_turns_the_cache_off(cache: Path, shared: str) -> None:
    render()
    (cache if shared == "folder" else cache.parent).chmod(0o777)
    assert template_cache() is None
    for path in entries(cache):
        planted(path)
    render()
    assert not (cache.parent / "planted").exists()


def test_a_linked_folder_turns_the_cache_off(cache: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    cache.parent.mkdir(parents=True)
    cache.symlink_to(tmp_path / "elsewhere")
    assert template_cache() is None


def test_switched_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_GEN_NO_CACHE", "1")
    render()
    assert not cache.exists()


def test_an_unwritable_folder_costs_only_the_compile(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = uncached(monkeypatch)
    cache.mkdir(parents=True, mode=0o700)
    monkeypatch.setattr(bytecode.tempfile, "mkstemp", _refuse)
    assert render() == expected
    assert entries(cache) == []


def test_no_home_folder_costs_only_the_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = uncached(monkeypatch)
    for name in ("CI_GEN_CACHE", "XDG_CACHE_HOME", "CI_GEN_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", _no_home)
    assert template_cache() is None
    assert render() == expected


def _no_home() -> Path:
    raise RuntimeError("Could not determine home directory.")


def _refuse(*args: object, **kwargs: object) -> tuple[int, str]:
    raise PermissionError("read-only")


def test_the_key_covers_source_name_file_and_settings(tmp_path: Path) -> None:
    env = TemplateSet().environment()
    key = bytecode.entry_key(env, "a.j2", "/t/a.j2", "x")
    assert len({key, bytecode.entry_key(env, "a.j2", "/t/a.j2", "y")}) == 2
    assert len({key, bytecode.entry_key(env, "b.j2", "/t/a.j2", "x")}) == 2
    assert len({key, bytecode.entry_key(env, "a.j2", "/u/a.j2", "x")}) == 2
    env.trim_blocks = False
    assert bytecode.entry_key(env, "a.j2", "/t/a.j2", "x") != key


def test_old_entries_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bytecode, "MAX_ENTRIES", 3)
    folder = tmp_path / "templates"
    folder.mkdir(mode=0o700)
    cache_ = TemplateBytecodeCache(folder)
    env = TemplateSet().environment()
    for index in range(5):
        bucket = cache_.get_bucket(env, f"{index}.j2", None, str(index))
        bucket.code = compile(str(index), "x", "eval")
        cache_.set_bucket(bucket)
        os.utime(folder / bucket.key, (index, index))
    assert len(entries(folder)) == 3
