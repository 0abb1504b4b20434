"""The champion on GitHub Actions, against a stand-in of GitHub's REST API on loopback: the newest
artifact of the deploy branch of this repository wins, and the token never leaves the API."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generator.errors import ChampionError
from generator.model.champion import find_champion
from generator.model.github import find_artifact
from generator.model.lookup import Lookup

TOKEN = "ghs_test_token"
REPO_ID = 7


def bundle(metrics: dict[str, float]) -> bytes:
    """The deploy job's artifact: a zip holding the model job's model.tar.gz."""
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w:gz") as tar:
        data = json.dumps(metrics).encode()
        info = tarfile.TarInfo("out/metrics.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("model.tar.gz", tar_bytes.getvalue())
    return zipped.getvalue()


def artifact(
    number: int, created: str, branch: str = "main", head_repo: int = REPO_ID, **extra: Any
) -> dict[str, Any]:
    run = {
        "head_branch": branch,
        "head_sha": str(number) * 40,
        "repository_id": REPO_ID,
        "head_repository_id": head_repo,
    }
    return {
        "id": number,
        "name": "ci-gen-champion-production",
        "expired": False,
        "created_at": created,
        "archive_download_url": f"/zip/{number}",
        "workflow_run": run,
        **extra,
    }


class FakeGitHub:
    def __init__(self) -> None:
        self.artifacts: list[dict[str, Any]] = []
        self.zips: dict[int, bytes] = {}
        self.storage_headers: list[dict[str, str]] = []
        self.api_headers: list[dict[str, str]] = []
        self.status = 200
        self.url = ""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/storage/"):
                fake.storage_headers.append(dict(self.headers))
                self._send(200, fake.zips[int(self.path.rsplit("/", 1)[1])])
                return
            fake.api_headers.append(dict(self.headers))
            if fake.status != 200:
                self._send(fake.status, b"{}")
            elif self.path.startswith("/repos/acme/iris/actions/artifacts?"):
                listed = [
                    {**a, "archive_download_url": fake.url + a["archive_download_url"]}
                    for a in fake.artifacts
                ]
                self._send(200, json.dumps({"total_count": len(listed), "artifacts": listed}).encode())
            elif self.path.startswith("/zip/"):
                self.send_response(302)
                self.send_header("Location", f"{fake.url}/storage/{self.path.rsplit('/', 1)[1]}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, b"{}")

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def lookup(fake: FakeGitHub, tmp_path: Path) -> Lookup:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/iris",
        "GITHUB_API_URL": fake.url,
    }
    return Lookup(
        "production",
        "production",
        tmp_path,
        ".ci-gen-state/production",
        "out/metrics.json",
        "refs/heads/main",
        tmp_path / "work",
        env,
    )


def test_the_newest_deploy_branch_artifact_is_the_champion(github: FakeGitHub, tmp_path: Path) -> None:
    github.artifacts = [
        artifact(1, "2026-01-01T00:00:00Z"),
        artifact(2, "2026-01-02T00:00:00Z"),
        artifact(3, "2026-01-03T00:00:00Z", branch="feature"),  # a pull request's run
        artifact(4, "2026-01-04T00:00:00Z", head_repo=99),  # a fork's pull request from its own main
        artifact(5, "2026-01-05T00:00:00Z", expired=True),
    ]
    github.zips = {n: bundle({"accuracy": n / 10}) for n in range(1, 6)}
    found = find_champion(lookup(github, tmp_path))
    assert found.champion is not None
    assert found.champion.metrics == {"accuracy": 0.2}
    assert found.champion.version == "2" * 12
    assert all(h.get("Authorization") == f"Bearer {TOKEN}" for h in github.api_headers)
    assert github.storage_headers and not any("Authorization" in h for h in github.storage_headers)


def test_no_artifact_is_no_champion(github: FakeGitHub, tmp_path: Path) -> None:
    github.artifacts = [artifact(3, "2026-01-03T00:00:00Z", branch="feature")]
    found = find_artifact(lookup(github, tmp_path))
    assert found.champion is None
    assert "none uploaded yet, or expired" in found.note


def test_a_refusal_names_the_permission(github: FakeGitHub, tmp_path: Path) -> None:
    github.status = 403
    with pytest.raises(ChampionError, match="permissions: actions: read"):
        find_artifact(lookup(github, tmp_path))


def test_without_a_token_the_deploy_state_is_read(tmp_path: Path) -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "", "GITHUB_REPOSITORY": "acme/iris"}
    found = find_champion(
        Lookup(
            "production",
            "production",
            tmp_path,
            "state/production",
            "m.json",
            "refs/heads/main",
            tmp_path,
            env,
        )
    )
    assert found.champion is None and "deploy state folder state/production" in found.note
