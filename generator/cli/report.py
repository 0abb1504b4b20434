"""The one way a command's results reach whoever ran it: lines of text, or one JSON document on stdout.

Commands build their result with the core, then hand it to a Reporter together with its text form; whether
`--json` was given is decided here, not in each command. Plain classes: every command imports this module,
and dataclasses cost start-up time that `ci-gen generate` does not have to spare.
"""

from __future__ import annotations

import click

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Protocol

    class Message(Protocol):
        """An event a long-running core function reports while it works (deploy, rollback, replay)."""

        @property
        def message(self) -> str: ...


class Line:
    """One piece of text output: stdout unless `err`; `colour` and `bold` show where the terminal allows."""

    __slots__ = ("bold", "colour", "err", "nl", "text")

    def __init__(
        self, text: str, colour: str | None = None, *, err: bool = False, nl: bool = True, bold: bool = False
    ) -> None:
        self.text, self.colour, self.err, self.nl, self.bold = text, colour, err, nl, bold

    def __repr__(self) -> str:
        return f"Line({self.text!r}, {self.colour!r}, err={self.err}, nl={self.nl}, bold={self.bold})"


class Reporter:
    """Writes a command's output in the format the person asked for (text, or JSON with --json)."""

    __slots__ = ("as_json",)

    def __init__(self, as_json: bool = False) -> None:
        self.as_json = as_json

    def say(self, *lines: Line | str) -> None:
        """Lines that are the output in either format (commands without a JSON form use only this)."""
        for line in lines:
            if isinstance(line, str):
                click.echo(line)
            elif line.colour or line.bold:
                click.secho(line.text, fg=line.colour, bold=line.bold or None, err=line.err, nl=line.nl)
            else:
                click.echo(line.text, err=line.err, nl=line.nl)

    def progress(self, message: str) -> None:
        """A line while the command works; on stderr with --json, so that stdout is only the document."""
        click.echo(message, err=self.as_json)

    def event(self, event: Message) -> None:
        """`progress` for the events the core reports through a callback."""
        self.progress(event.message)

    def warn(self, message: str) -> None:
        self.say(Line(f"warning: {message}", "yellow", err=True))

    def result(
        self, document: object, text: Iterable[Line | str] = (), *, indent: int = 2, sort_keys: bool = False
    ) -> None:
        """The command's result: `document` as JSON (a str is taken as JSON already), else `text`.

        `text` may be a generator: it is only consumed for text output.
        """
        if not self.as_json:
            self.say(*text)
        elif isinstance(document, str):
            click.echo(document)
        else:
            import json

            click.echo(json.dumps(document, indent=indent, sort_keys=sort_keys))
