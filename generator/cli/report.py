"""The one way a command's results reach whoever ran it: lines of text, or one JSON document on stdout.

Commands build their result with the core, then hand it to a Reporter together with its text form; whether
`--json` was given is decided here, not in each command.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import click


@dataclass(frozen=True)
class Line:
    """One piece of text output: stdout unless `err`; `colour` and `bold` show where the terminal allows."""

    text: str
    colour: str | None = None
    err: bool = False
    nl: bool = True
    bold: bool = False


class Message(Protocol):
    """An event a long-running core function reports while it works (deploy, rollback, replay)."""

    @property
    def message(self) -> str: ...


@dataclass(frozen=True)
class Reporter:
    """Writes a command's output in the format the person asked for (text, or JSON with --json)."""

    as_json: bool = False

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
            click.echo(json.dumps(document, indent=indent, sort_keys=sort_keys))
