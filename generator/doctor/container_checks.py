"""Does the image install the lock, with hashes, and serve on the spec's port and health path?"""

from __future__ import annotations

import re
import shlex

from generator.detect import serving
from generator.doctor import dockerfile
from generator.doctor.dockerfile import Instruction
from generator.doctor.findings import Report
from generator.doctor.project import Project

_INSTALL = re.compile(r"(?:^|\s|/)(?:pip3?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip)\s+(?:install|sync)\b")
_UV_SYNC = re.compile(r"(?:^|\s|/)uv\s+sync\b.*--(?:frozen|locked)\b")
_TOOLING = {"pip", "setuptools", "wheel", "uv"}  # installers themselves, not what the service runs on
_URL_PATH = re.compile(r"https?://[^/\s'\"]+(/[^\s'\"?]*)")
_URL_PORT = re.compile(r"https?://[^/:\s'\"]+:(\d+)")
_VALUE_OPTIONS = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--target",
    "-t",
    "--prefix",
    "--root",
    "--python",
    "-p",
    "--cache-dir",
}


def check_installs(project: Project, report: Report) -> None:
    """Every pip install in the Dockerfile uses the runtime lock with --require-hashes, nothing else."""
    container = project.plan.container
    text = project.read(container.dockerfile) if container else None
    if container is None or text is None:
        return
    instructions = dockerfile.parse(text)
    hashes_env = any(
        i.keyword == "ENV" and dockerfile.env_values(i).get("PIP_REQUIRE_HASHES") in ("1", "true")
        for i in instructions
    )
    runtime_installed = False
    uv_project = project.plan.runtime_lock.kind == "uv-lock"
    for instruction in (i for i in instructions if i.keyword == "RUN"):
        for command in dockerfile.shell_commands(instruction):
            if uv_project and _UV_SYNC.search(command):
                runtime_installed = True  # uv verifies uv.lock's hashes itself
            elif _INSTALL.search(command):
                runtime_installed |= _check_install(project, instruction, command, hashes_env, report)
    if not runtime_installed and uv_project:
        report.add(
            "unlocked-install",
            project.show(container.dockerfile),
            None,
            f"no RUN installs {project.plan.runtime_lock.output} (`uv sync --frozen`), so the image's "
            "packages are not the locked ones the tests ran with",
            "RUN uv sync --frozen --no-dev",
        )
    elif not runtime_installed:
        report.add(
            "unlocked-install",
            project.show(container.dockerfile),
            None,
            f"no RUN installs {project.plan.runtime_lock.output}, so the image's packages are not the "
            "locked ones the tests ran with",
            f"RUN pip install --require-hashes --no-deps -r {project.plan.runtime_lock.output}",
        )


def _check_install(
    project: Project, instruction: Instruction, command: str, hashes_env: bool, report: Report
) -> bool:
    """Report what is wrong with one install command; True when it installs the runtime lock."""
    words = _words(command)
    files, packages = _requirement_files(words), _packages(words)
    shown, line = project.show(project.plan.container.dockerfile), instruction.line  # type: ignore[union-attr]
    locks = {lock.output for lock in project.plan.locks}
    for name in files:
        if name.lstrip("./") not in locks:
            report.add(
                "unlocked-install",
                shown,
                line,
                f"installs from {name}, which is not a lock file (locks: {', '.join(sorted(locks))})",
                f"install {project.plan.runtime_lock.output} with --require-hashes instead",
            )
    for package in packages:
        if package in (".", "./") or package.startswith(("/", "./")):
            if "--no-deps" not in words:
                report.add(
                    "unlocked-install",
                    shown,
                    line,
                    f"`{package}` is installed with its dependencies "
                    "resolved at build time, not from the lock",
                    "add --no-deps (the lock has them all)",
                )
        elif package.split("[")[0].split("=")[0].split("<")[0].split(">")[0].lower() not in _TOOLING:
            report.add(
                "unlocked-install",
                shown,
                line,
                f"installs {package} outside the lock",
                f"add it to {project.plan.runtime_lock.input}, run `ci-gen lock`, install the lock",
            )
    if files and "--require-hashes" not in words and not hashes_env:
        report.add(
            "install-without-hashes",
            shown,
            line,
            f"installs {', '.join(files)} without --require-hashes",
            "add --require-hashes, so every package is checked against the lock's hashes",
        )
    return project.plan.runtime_lock.output in {name.lstrip("./") for name in files}


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _requirement_files(words: list[str]) -> list[str]:
    files = []
    for index, word in enumerate(words):
        if word in ("-r", "--requirement") and index + 1 < len(words):
            files.append(words[index + 1])
        elif word.startswith("--requirement="):
            files.append(word.split("=", 1)[1])
        elif word.startswith("-r") and len(word) > 2 and not word.startswith("--"):
            files.append(word[2:])
    return files


def _packages(words: list[str]) -> list[str]:
    """Positional arguments after `install`/`sync`: packages or paths (sync's are lock files)."""
    start = next((i for i, w in enumerate(words) if w in ("install", "sync")), len(words))
    found, skip = [], False
    for word in words[start + 1 :]:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            found.append(word)
    return found if words[start : start + 1] == ["install"] else []


def check_service(project: Project, report: Report) -> None:
    """EXPOSE, ENV PORT, a --bind port and the HEALTHCHECK URL of the final stage agree with the spec."""
    container = project.plan.container
    text = project.read(container.dockerfile) if container else None
    if container is None or text is None:
        return
    shown, port, health = project.show(container.dockerfile), str(container.port), container.health_path
    for instruction in dockerfile.final_stage(dockerfile.parse(text)):
        for kind, message, fix in _service_problems(instruction, port, health):
            report.add(kind, shown, instruction.line, message, fix)
    listening = serving.read_dockerfile(text).command
    if listening and str(listening.port) != port:
        report.add(
            "container-port",
            shown,
            listening.line,
            f"the server listens on port {listening.port} ({listening.evidence}), the spec's port is {port}",
            f"serve on port {port}, or set container.port: {listening.port} in the spec",
        )


def _service_problems(instruction: Instruction, port: str, health: str) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    fix_port = f"serve on port {port} (container.port in the spec), or change container.port"
    if instruction.keyword == "EXPOSE":
        exposed = [word.split("/")[0] for word in instruction.arguments.split()]
        if port not in exposed:
            problems.append(
                ("container-port", f"EXPOSE {' '.join(exposed)}, the spec's port is {port}", fix_port)
            )
    elif instruction.keyword == "ENV":
        value = dockerfile.env_values(instruction).get("PORT")
        if value is not None and value != port:
            problems.append(("container-port", f"ENV PORT={value}, the spec's port is {port}", fix_port))
    elif instruction.keyword == "HEALTHCHECK":
        problems += _health_problems(instruction.arguments, port, health)
    return problems


def _health_problems(arguments: str, port: str, health: str) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    path = _URL_PATH.search(arguments)
    if path and path.group(1) != health:
        problems.append(
            (
                "health-path",
                f"HEALTHCHECK probes {path.group(1)}, the spec's health-path is {health}",
                f"probe {health} (container.health-path), or change the spec",
            )
        )
    literal = _URL_PORT.search(arguments)
    if literal and literal.group(1) != port:
        problems.append(
            (
                "container-port",
                f"HEALTHCHECK probes port {literal.group(1)}, the spec's port is {port}",
                f"probe port {port}",
            )
        )
    return problems
