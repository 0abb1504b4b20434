"""Finding 8 (low): the Prometheus bearer token.

On main urllib copied the Authorization header to whatever host a redirect named, and an http:// URL was
accepted with a token (sent in clear). The token now stays with the origin it was configured for, and
plain HTTP with a token is refused unless the spec says `prometheus-token-over-http: true`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from generator.deploy.targets.kubernetes.metrics import TOKEN_ENV, DirectPrometheus
from generator.errors import UsageError
from generator.spec.model import KubernetesTarget
from tests.kubernetes.loopback import LoopbackServer

ANSWER = {"status": "success", "data": {"resultType": "vector", "result": [{"value": [0, "7"]}]}}


class Recorder(BaseHTTPRequestHandler):
    """Answers a query, or redirects it to `target` when the server has one; records Authorization."""

    def do_GET(self) -> None:
        server = self.server
        server.seen.append(self.headers.get("Authorization"))  # type: ignore[attr-defined]
        target = server.target  # type: ignore[attr-defined]
        if target:
            self.send_response(302)
            self.send_header("Location", target + self.path)
            self.end_headers()
            return
        body = json.dumps(ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _server(target: str | None) -> LoopbackServer:
    server = LoopbackServer(Recorder, "prometheus-double")
    server.seen = []  # type: ignore[attr-defined]
    server.target = target  # type: ignore[attr-defined]
    return server.start()


@pytest.fixture
def servers() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    elsewhere = _server(None)
    prometheus = _server(elsewhere.url)
    yield prometheus, elsewhere
    prometheus.stop()
    elsewhere.stop()


def test_the_token_does_not_follow_a_redirect_to_another_host(
    servers: tuple[LoopbackServer, LoopbackServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    prometheus, elsewhere = servers
    monkeypatch.setenv(TOKEN_ENV, "s3cret")
    assert DirectPrometheus(prometheus.url, token_over_http=True)("up") == 7.0
    assert prometheus.seen == ["Bearer s3cret"]  # type: ignore[attr-defined]
    assert elsewhere.seen == [None]  # type: ignore[attr-defined]


def test_plain_http_with_a_token_is_refused_unless_the_spec_opts_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "s3cret")
    with pytest.raises(UsageError, match="plain HTTP"):
        DirectPrometheus("http://prometheus.example:9090")
    DirectPrometheus("https://prometheus.example")  # https: fine
    settings = {"namespace": "ml", "gateway": "public", "prometheus-url": "http://127.0.0.1:9090"}
    assert KubernetesTarget.model_validate({**settings, "prometheus-token-over-http": True})
    monkeypatch.delenv(TOKEN_ENV)
    DirectPrometheus("http://prometheus.example:9090")  # no token: nothing to leak
