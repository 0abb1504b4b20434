"""Start a program detached from whoever runs ci-gen: `python -m generator.deploy.targets.local.launch
CWD STDOUT STDERR -- PROGRAM ARGS...` forks; the child starts its own session (its pid is its process
group, so the program and its workers are one group ci-gen can find and end) and execs the program; the
launcher prints the child's pid and exits, so the program is re-parented to init at once.

That is what lets the router and the tracks outlive a CI job: a runner ends the job's process tree and
group, and none of them is in it. (Runners also end processes by the RUNNER_TRACKING_ID in their
environment; `procs.detached_env` drops it.) A fresh interpreter does the fork, never the driver, whose
threads make fork unsafe.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    cwd, stdout, stderr, marker, *program = argv
    if marker != "--" or not program:
        print("usage: launch CWD STDOUT STDERR -- PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    ready, report = os.pipe()
    os.set_inheritable(report, False)  # closed by exec: EOF tells the launcher the program started
    pid = os.fork()
    if pid == 0:
        os.close(ready)
        _exec(cwd, stdout, stderr, program, report)
    os.close(report)
    failure = os.read(ready, 4096)
    if failure:
        print(failure.decode(errors="replace"), file=sys.stderr)
        return 1
    print(pid, flush=True)
    return 0


def _exec(cwd: str, stdout: str, stderr: str, program: list[str], report: int) -> None:
    try:
        os.setsid()
        os.chdir(cwd)
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        err = out if stderr == stdout else os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
        os.execvp(program[0], program)  # noqa: S606 - argv as given, no shell
    except OSError as exc:
        os.write(report, f"cannot start {program[0]}: {exc}".encode())
    os._exit(127)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
