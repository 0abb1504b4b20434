"""A real `mlflow server` for the tests: SQLite backend, artifacts proxied by the server, on 127.0.0.1.

One server per test session (the `mlflow_server` fixture in tests/conftest.py): starting one takes seconds,
and every test makes its own experiments and registered models, so sharing it keeps the suite lean.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from generator.deploy.ports import free_port

STARTUP_SECONDS = 120


@dataclass
class MlflowServer:
    """A running tracking server: its URI, its folder (database, artifacts, log) and its process."""

    uri: str
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def stop(self) -> None:
        if self.process.poll() is None:
            # Its own process group: uvicorn's workers go with it.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def mlflow_executable() -> str:
    """The `mlflow` of this interpreter's environment (the dev lock has the full package, server included)."""
    found = Path(sys.executable).with_name("mlflow")
    if not found.exists():
        raise RuntimeError(f"no mlflow next to {sys.executable}; run `make setup` (requirements/dev.txt)")
    return str(found)


def start_server(folder: Path) -> MlflowServer:
    """Start `mlflow server` on a free loopback port and wait until it answers /health."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        mlflow_executable(),
        "server",
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        *("--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"),
        *("--artifacts-destination", str(folder / "artifacts")),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = MlflowServer(f"http://127.0.0.1:{port}", folder, process)
    _wait_healthy(server)
    return server


def _wait_healthy(server: MlflowServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.uri}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    server.stop()
    tail = server.log.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"mlflow server did not become healthy at {server.uri}:\n{tail}")


def remove(server: MlflowServer) -> None:
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)
