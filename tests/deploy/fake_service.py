"""A stand-in model service for fault tests (stdlib only), behaving as its "model" file says.

MODEL_PATH points to JSON: {"label": "setosa", "mode": "ok" | "error" | "slow" | "crash" | "unhealthy",
"delay": seconds (slow), "after": predictions before crashing (crash), "boot": seconds to load}.
It follows the serving contract: GET /health, POST /predict echoing X-Request-ID, one JSON line per
prediction on stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = json.loads(open(os.environ["MODEL_PATH"]).read())  # noqa: SIM115
COUNT = {"predictions": 0, "in_flight": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle and delayed ACKs add 40 ms to each answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path == "/health" and MODEL.get("mode") != "unhealthy":
            self._send(200, {"status": "ok"})
        else:
            self._send(503 if self.path == "/health" else 404, {"error": "no"})

    def do_POST(self) -> None:
        with LOCK:
            COUNT["in_flight"] += 1
        try:
            self._predict()
        finally:
            with LOCK:
                COUNT["in_flight"] -= 1

    def _predict(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request_id = self.headers.get("X-Request-ID") or uuid.uuid4().hex
        mode = MODEL.get("mode", "ok")
        with LOCK:
            COUNT["predictions"] += 1
            count = COUNT["predictions"]
        if mode == "crash" and count > MODEL.get("after", 10):
            os._exit(3)
        if mode == "slow":
            time.sleep(MODEL.get("delay", 1.0))
        if mode == "error":
            self._send(500, {"error": "internal server error", "request_id": request_id})
            return
        predictions = [MODEL.get("label", "setosa")]
        line = {"event": "prediction", "request_id": request_id, "predictions": predictions}
        line.update(_inputs(body))
        with contextlib.suppress(OSError):  # a full disk loses log lines, not answers (as logging does)
            print(json.dumps(line), flush=True)
        self._send(200, {"predictions": predictions, "request_id": request_id})

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _inputs(body: bytes) -> dict[str, object]:
    """`{"features": {name: value}}` bodies are logged as the row's inputs (what drift gates read)."""
    try:
        features = json.loads(body).get("features")
    except (ValueError, AttributeError):
        return {}
    return {"inputs": [features]} if isinstance(features, dict) else {}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = (
        256  # the default 5 drops connections under a burst, which then wait 1 s for SYN retry
    )


def main() -> None:
    time.sleep(MODEL.get("boot", 0))  # a model that takes a while to load
    server = Server((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Handler)
    # Like gunicorn: SIGTERM stops accepting, lets the requests in flight finish (up to 5 s), then exits
    # (closing idle kept-alive connections, which nginx then drops from its cache).
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    deadline = time.monotonic() + 5
    while COUNT["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.01)
    sys.exit(0)


if __name__ == "__main__":
    main()
