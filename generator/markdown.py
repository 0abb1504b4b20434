"""Untrusted text into Markdown (the job summary, the deploy report): nothing in it becomes markup.

File names, spec values, error messages and a service's answers end up in tables and headings. A newline
would end a table row, `|` a cell, `<` start HTML and backticks end a code span; each is escaped here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_BACKTICKS = re.compile(r"`+")
# `<` that could open a tag and `&` that could start an entity; `<= 0.01` stays as it is.
_HTML = re.compile(r"<(?=[A-Za-z/!?])|&(?=[#A-Za-z])")
# What could end a cell, open a code span, a link or an image; emphasis is harmless and left alone.
_MARKUP = re.compile(r"([\\`|\[\]])")


def one_line(text: str) -> str:
    """`text` on one line: every line break and control character shown as a visible escape."""
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in str(text))


def md_text(text: str) -> str:
    """Plain text for a table cell, heading or list item: no HTML, no Markdown, no line breaks."""
    escaped = _MARKUP.sub(r"\\\1", one_line(text))
    return _HTML.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", escaped)


def md_code(text: str) -> str:
    """An inline code span that survives a table cell; inside it HTML and Markdown are not markup."""
    flat = one_line(text)
    ticks = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") else flat
    return f"{ticks}{padded}{ticks}".replace("|", "\\|")


def add_to_job_summary(text: str) -> None:
    """Append `text` to the GitHub Actions job summary when running in a job ($GITHUB_STEP_SUMMARY)."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
