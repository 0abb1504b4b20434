"""Which port a container's server listens on, read from its Dockerfile: CMD/ENTRYPOINT, EXPOSE, ENV PORT.

One parser for `init` (which writes container.port) and `doctor` (which checks it), so the two never
disagree about what a command line means. Each server's own default applies when no flag is given.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

from generator.doctor import dockerfile
from generator.doctor.dockerfile import Instruction

# server -> (port flags, host:port flags, port when no flag is given)
_SERVERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {
    "gunicorn": ((), ("--bind", "-b"), 8000),
    "uvicorn": (("--port",), (), 8000),
    "fastapi": (("--port",), (), 8000),
    "flask": (("--port", "-p"), (), 5000),
    "hypercorn": ((), ("--bind", "-b"), 8000),
    "waitress-serve": (("--port",), ("--listen",), 8080),
    "granian": (("--port",), (), 8000),
}
_DEFAULTED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}")


@dataclass(frozen=True)
class Listening:
    """Where the server listens, and the words that say so (for notes and findings)."""

    port: int
    server: str
    evidence: str  # e.g. "gunicorn --bind 0.0.0.0:5000", or "gunicorn's default port"
    line: int


@dataclass(frozen=True)
class DockerfilePorts:
    """Every port clue in a Dockerfile's final stage."""

    command: Listening | None = None
    exposed: tuple[tuple[int, int], ...] = ()  # (port, line)
    env_port: tuple[int, int] | None = None  # (value of ENV PORT, line)

    @property
    def port(self) -> tuple[int, str] | None:
        """The port to use and why: the server command wins, then ENV PORT, then the first EXPOSE."""
        if self.command:
            return self.command.port, f"{self.command.evidence} (Dockerfile line {self.command.line})"
        if self.env_port:
            return self.env_port[0], f"ENV PORT={self.env_port[0]} (Dockerfile line {self.env_port[1]})"
        if self.exposed:
            return self.exposed[0][0], f"EXPOSE {self.exposed[0][0]} (Dockerfile line {self.exposed[0][1]})"
        return None


def read_dockerfile(text: str) -> DockerfilePorts:
    """The port clues of the final stage. ENTRYPOINT and CMD are read together, as docker runs them."""
    env: dict[str, str] = {}
    exposed: list[tuple[int, int]] = []
    env_port: tuple[int, int] | None = None
    entry: Instruction | None = None
    cmd: Instruction | None = None
    for instruction in dockerfile.final_stage(dockerfile.parse(text)):
        if instruction.keyword == "ENV":
            env.update(dockerfile.env_values(instruction))
            env_port = _env_port(env, instruction.line) or env_port
        elif instruction.keyword == "EXPOSE":
            exposed += [(int(p), instruction.line) for p in _exposed(instruction.arguments)]
        elif instruction.keyword == "ENTRYPOINT":
            entry = instruction
        elif instruction.keyword == "CMD":
            cmd = instruction
    words = [*command_words(entry), *command_words(cmd)]
    found = server_port(words, env)
    last = cmd or entry
    line = last.line if last else 0
    command = Listening(found[0], found[1], found[2], line) if found else None
    return DockerfilePorts(command, tuple(exposed), env_port)


def command_words(instruction: Instruction | None) -> list[str]:
    """The exec form `["gunicorn", "-b", ":80"]` or the shell form, as words."""
    if instruction is None:
        return []
    try:
        words = json.loads(instruction.arguments)
    except ValueError:
        words = None
    if isinstance(words, list):
        return [str(word) for word in words]
    try:
        return shlex.split(instruction.arguments)
    except ValueError:
        return instruction.arguments.split()


def server_port(words: list[str], env: dict[str, str]) -> tuple[int, str, str] | None:
    """(port, server, evidence) for a command line that starts a known server; None otherwise."""
    words = _unwrap_shell(words)
    for index in range(len(words)):
        server = _server_name(words, index)
        if server is None:
            continue
        rest = words[index + 1 :]
        flagged = _flagged_port(server, rest, env)
        if flagged is not None:
            return flagged[0], server, f"{server} {flagged[1]}"
        default = _default_port(server, env)
        return default[0], server, default[1]
    return None


def _unwrap_shell(words: list[str]) -> list[str]:
    """`sh -c "exec gunicorn ..."` -> the words of the script."""
    for index, word in enumerate(words[:-1]):
        if word.rsplit("/", 1)[-1] in ("sh", "bash") and words[index + 1] == "-c" and index + 2 < len(words):
            try:
                return shlex.split(words[index + 2])
            except ValueError:
                return words[index + 2].split()
    return words


def _server_name(words: list[str], index: int) -> str | None:
    word = words[index].rsplit("/", 1)[-1]
    if index > 0 and words[index - 1] == "-m":
        word = word.split(".", 1)[0]
    elif index > 0 and words[index - 1].startswith("-"):
        return None  # the value of an option, e.g. `--app flask`
    if word == "flask" and "run" not in words[index + 1 : index + 4]:
        return None
    if word == "fastapi" and not {"run", "dev"} & set(words[index + 1 : index + 2]):
        return None
    return word if word in _SERVERS else None


def _flagged_port(server: str, rest: list[str], env: dict[str, str]) -> tuple[int, str] | None:
    port_flags, bind_flags, _ = _SERVERS[server]
    for index, word in enumerate(rest):
        flag, equals, value = word.partition("=")
        if not equals:
            value = rest[index + 1] if index + 1 < len(rest) else ""
        if flag in port_flags or flag in bind_flags:
            expanded = expand(value, env)
            port = expanded.rsplit(":", 1)[-1] if flag in bind_flags else expanded
            if port.isdigit():
                return int(port), f"{flag} {value}"
    return None


def _default_port(server: str, env: dict[str, str]) -> tuple[int, str]:
    # gunicorn binds 0.0.0.0:$PORT when PORT is set; flask run reads FLASK_RUN_PORT.
    variable = {"gunicorn": "PORT", "flask": "FLASK_RUN_PORT"}.get(server)
    if variable and expand(env.get(variable, ""), env).isdigit():
        return int(expand(env[variable], env)), f"{server} with ENV {variable}={env[variable]}"
    return _SERVERS[server][2], f"{server}'s default port"


def expand(value: str, env: dict[str, str]) -> str:
    """$NAME, ${NAME} and ${NAME:-default} from the Dockerfile's ENV values."""
    value = _DEFAULTED.sub(lambda m: env.get(m.group(1)) or m.group(2), value)
    return dockerfile.substitute(value, env).strip("'\"")


def _env_port(env: dict[str, str], line: int) -> tuple[int, int] | None:
    value = expand(env.get("PORT", ""), env)
    return (int(value), line) if value.isdigit() else None


def _exposed(arguments: str) -> list[str]:
    return [word.split("/")[0] for word in arguments.split() if word.split("/")[0].isdigit()]
