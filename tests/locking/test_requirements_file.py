"""Reading a requirements file the way pip does: continuations, comments, hashes, exact pins."""

from __future__ import annotations

from generator.locking.requirements_file import entries, option_name, pin_of

TEXT = """\
# a comment
--index-url https://example.org/simple
Flask==3.1.3  # the web framework
numpy==2.4.6 \\
    --hash=sha256:aaa \\
    --hash sha256:bbb  # hashed
scipy>=1.11
torch==2.*
pkg @ https://example.org/pkg-1.0.tar.gz
legacy===1.0-custom
"""


def test_each_logical_line_keeps_its_physical_lines_and_first_line_number() -> None:
    found = entries(TEXT)
    assert [e.first for e in found] == [1, 2, 3, 4, 7, 8, 9, 10]
    assert found[3].lines == (
        "numpy==2.4.6 \\",
        "    --hash=sha256:aaa \\",
        "    --hash sha256:bbb  # hashed",
    )
    assert sum(len(e.lines) for e in found) == len(TEXT.splitlines())


def test_content_drops_comments_and_hashes_which_are_kept_apart() -> None:
    found = entries(TEXT)
    assert (found[2].content, found[2].comment) == ("Flask==3.1.3", "# the web framework")
    assert (found[3].content, found[3].hashes, found[3].comment) == (
        "numpy==2.4.6",
        ("sha256:aaa", "sha256:bbb"),
        "# hashed",
    )
    assert found[0].content == "" and not found[0].is_requirement
    assert found[1].is_option and option_name(found[1]) == "--index-url"


def test_only_exact_pins_are_pins() -> None:
    found = entries(TEXT)
    pins = [pin_of(e) for e in found if e.is_requirement]
    assert [(p.name, p.version, p.operator, p.line) if p else None for p in pins] == [
        ("flask", "3.1.3", "==", 3),
        ("numpy", "2.4.6", "==", 4),
        None,  # a range
        None,  # a wildcard
        None,  # a URL
        ("legacy", "1.0-custom", "===", 10),
    ]
