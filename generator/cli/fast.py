"""The fast path of `ci-gen check`: an up-to-date answer with no argument parser and no rendering.

Only the plain forms are recognised (`check` with -C, --spec and --templates); anything else, and every
answer other than "up to date", goes through click and the full check, which gives the same verdict.
"""

from __future__ import annotations

import os

_VALUE_OPTIONS = {"-C": "directory", "--spec": "spec", "--templates": "templates"}


def answer_quickly(args: list[str]) -> bool:
    """Print the verdict and return True when `args` is a plain check and the files are up to date."""
    parsed = _parse(args)
    if parsed is None:
        return False
    from pathlib import Path

    from generator.location import Location
    from generator.quick import up_to_date

    directory = parsed.get("directory")
    try:
        location = Location.find(
            Path(directory[0]) if directory else None,
            Path(parsed["spec"][0]) if "spec" in parsed else None,
            tuple(Path(t) for t in parsed.get("templates", [])),
        )
    except Exception:
        return False
    if not up_to_date(location.root, location.spec, location.extra_templates):
        return False
    print("workflows are up to date with " + location.display(location.spec))
    return True


def _parse(args: list[str]) -> dict[str, list[str]] | None:
    parsed: dict[str, list[str]] = {}
    seen_check = False
    index = 0
    while index < len(args):
        arg = args[index]
        name, _, inline = arg.partition("=")
        if arg == "check" and not seen_check:
            seen_check = True
        elif name in _VALUE_OPTIONS and (inline or index + 1 < len(args)):
            value = inline if inline else args[index + 1]
            index += 0 if inline else 1
            parsed.setdefault(_VALUE_OPTIONS[name], []).append(value)
        else:
            return None
        index += 1
    if not seen_check or len(parsed.get("directory", [])) > 1 or len(parsed.get("spec", [])) > 1:
        return None
    trusted = os.environ.get("CI_GEN_NO_FAST_PATH") != "1" and os.environ.get("CI_GEN_CHECK_FULL") != "1"
    return parsed if trusted else None
