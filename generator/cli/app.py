"""The click application: a lazy group whose subcommands are imported only when called."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from generator import __version__
from generator.cli.options import folder_option

# command name -> module in generator.cli that defines `command`
COMMANDS = {
    "init": "init",
    "validate": "validate",
    "generate": "generate",
    "check": "check",
    "diff": "diff",
    "schema": "schema",
    "templates": "templates",
    "lock": "lock",
    "graph": "graph",
    "deploy": "deploy",
    "status": "status",
    "rollback": "rollback",
    "shadow-replay": "shadow_replay",
    "model-report": "model_report",
    "rehearse": "rehearse",
    "doctor": "doctor",
    "manifests": "manifests",
    "fleet": "fleet",
    "profile": "profile",
    "monitor": "monitor",
    "track": "track",
    "reproduce": "reproduce",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(f"generator.cli.{module}").command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            import difflib

            guess = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean '{guess[0]}'?" if guess else ""
            ctx.fail(f"No such command '{name}'.{hint}")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="ci-gen")
@folder_option("-C", "directory", help="Run as if started in DIR (also accepted after the command).")
@click.pass_context
def cli(ctx: click.Context, directory: Path | None) -> None:
    """Generate secure, verified GitHub Actions workflows for an ML model from one ci-gen.yaml."""
    ctx.obj = {"directory": directory}
