"""A Dockerfile as instructions with line numbers, stages and ARG defaults: what doctor's checks read."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, ARG, ENV, RUN, EXPOSE, HEALTHCHECK, CMD, ENTRYPOINT...
    arguments: str  # continuation lines joined
    line: int  # where the instruction starts
    stage: int  # 0 for the first FROM's stage


def parse(text: str) -> list[Instruction]:
    """Instructions in order; comments dropped, backslash continuations joined."""
    found: list[Instruction] = []
    stage = -1
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comments inside a continued instruction are ignored by docker too
        start = start if pending else number
        pending.append(stripped[:-1] if stripped.endswith("\\") else stripped)
        if stripped.endswith("\\"):
            continue
        keyword, _, arguments = " ".join(pending).partition(" ")
        pending = []
        stage += keyword.upper() == "FROM"
        found.append(Instruction(keyword.upper(), arguments.strip(), start, max(stage, 0)))
    return found


def arg_defaults(instructions: list[Instruction]) -> dict[str, tuple[str, int]]:
    """ARG NAME=default -> (default, line); the last definition wins."""
    defaults: dict[str, tuple[str, int]] = {}
    for instruction in instructions:
        if instruction.keyword == "ARG":
            name, equals, value = instruction.arguments.partition("=")
            if equals:
                defaults[name.strip()] = (value.strip().strip('"').strip("'"), instruction.line)
    return defaults


def substitute(text: str, values: dict[str, str]) -> str:
    """Expand $NAME and ${NAME} from `values` (unknown names stay as written)."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), text)


def env_values(instruction: Instruction) -> dict[str, str]:
    """ENV NAME=value ... or the legacy ENV NAME value."""
    try:
        words = shlex.split(instruction.arguments)
    except ValueError:
        return {}
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words if "=" in word)


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max((i.stage for i in instructions), default=0)
    return [i for i in instructions if i.stage == last]


def shell_commands(instruction: Instruction) -> list[str]:
    """The commands of a RUN, split on && || ; and |, for pip install detection."""
    return [part.strip() for part in re.split(r"&&|\|\||;|\|", instruction.arguments) if part.strip()]
