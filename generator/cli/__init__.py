"""The `ci-gen` command line: parses arguments, calls the core, prints, returns an exit code.

Subcommands are imported only when called. `ci-gen check` on an unchanged repository is answered before
click is even imported (see generator/cli/fast.py): the whole answer is a few file reads and digests.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs milliseconds the fast path does not have
if TYPE_CHECKING:
    from typing import Any


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else argv
    if "check" in args:  # only a plain `check` has a fast path; other commands skip even its import
        from generator.cli.fast import answer_quickly

        if answer_quickly(args):
            return 0
    from generator.cli.app import cli

    return cli.main(args=args, prog_name="ci-gen")


def __getattr__(name: str) -> Any:
    # `from generator.cli import cli` keeps working without importing click for every entry.
    if name == "cli":
        from generator.cli.app import cli

        return cli
    raise AttributeError(name)
