"""`ci-gen status`: what each environment runs: stable, what is in flight, weights, phase, tracks."""

from __future__ import annotations

from typing import Any

import click

from generator.cli.options import Invocation, json_option, project_command
from generator.errors import EXIT_OK


@click.command("status")
@project_command
@click.option("--stage", default=None, help="Only this stage's environment.")
@json_option("Print the status as JSON.")
def command(invocation: Invocation, stage: str | None) -> int:
    """Show each deploy environment's state (read-only; safe while a deploy runs)."""
    from generator.deploy.control import status

    environments = status(invocation.location, stage)
    text = ("\n".join(_lines(env)) for env in environments)
    invocation.report.result(environments, text, sort_keys=True)
    return EXIT_OK


def _lines(env: dict[str, Any]) -> list[str]:
    stable = env["stable"]["version"] if env["stable"] else "none"
    router = "up" if env["router"]["running"] else "down"
    lines = [
        f"{env['environment']} (stages: {', '.join(env['stages'])}): stable {stable}, "
        f"router {router} at {env['url']}",
        f"  weight to candidate: {env['weight']}%" + (f", mirror: {env['mirror']}" if env["mirror"] else ""),
    ]
    if env["in_flight"]:
        flight = env["in_flight"]
        lines.append(
            f"  in flight: {flight['release']['version']} ({flight['strategy']}, stage {flight['stage']}) "
            f"at '{flight['phase']}'"
        )
    if env["deploying"]:
        lines.append(
            f"  being deployed now by pid {env['deploying'].get('pid')}: {env['deploying'].get('what')}"
        )
    lines += _model_lines(env.get("models"))
    for name, track in sorted(env["tracks"].items()):
        where = f"pid {track['pid']}" if track["pid"] else f"container {track['container']}"
        state = "running" if track["running"] else "NOT running"
        lines.append(f"  {name}: {track['version']} on :{track['port']} ({where}, {state})")
    return lines


def _model_lines(models: dict[str, Any] | None) -> list[str]:
    """The model version each stage serves (model.tracking), with its metrics."""
    if models is None:
        return []
    if "error" in models:
        return [f"  model registry: {models['error']}"]
    lines = []
    for stage, model in models.items():
        if model is None:
            lines.append(f"  model ({stage}): no version has the alias '{stage}' yet")
            continue
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in sorted(model["metrics"].items()))
        lines.append(
            f"  model ({stage}): {model['model']} version {model['version']}; {metrics or 'no metrics'}"
        )
    return lines
