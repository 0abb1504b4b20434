"""A read-only container registry double (OCI distribution API, stdlib only) with basic auth.

It serves one image that `podman push IMAGE dir:FOLDER` wrote (manifest.json plus blobs named by their
hex digest): GET/HEAD /v2/, /v2/<name>/manifests/<tag or digest>, /v2/<name>/blobs/<digest>. Every
request needs the one user and password; a manifest asked for by digest is the stored manifest only
when its sha256 is that digest, unless `lie` is set (a registry that answers with other bytes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.kubernetes.loopback import LoopbackServer

_ROUTE = re.compile(r"^/v2/(?P<name>[a-z0-9._/-]+)/(?P<kind>manifests|blobs)/(?P<ref>[A-Za-z0-9_.:-]+)$")


class Handler(BaseHTTPRequestHandler):
    server: Registry

    def log_message(self, format: str, *args: object) -> None:
        self.server.requests.append(f"{getattr(self, 'command', '?')} {getattr(self, 'path', '?')}")

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        if self.headers.get("Authorization") != self.server.authorization:
            self._send(401, b"{}", "application/json", {"WWW-Authenticate": 'Basic realm="double"'}, body)
            return
        if self.path in ("/v2/", "/v2"):
            self._send(200, b"{}", "application/json", {}, body)
            return
        match = _ROUTE.match(self.path)
        if not match or match["name"] != self.server.name:
            self._send(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}', "application/json", {}, body)
            return
        found = self.server.lookup(match["kind"], match["ref"])
        if found is None:
            self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', "application/json", {}, body)
            return
        data, media_type = found
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self._send(200, data, media_type, {"Docker-Content-Digest": digest}, body)

    def _send(self, status: int, data: bytes, media_type: str, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if body:
            self.wfile.write(data)


class Registry(LoopbackServer):
    """Serves the image in `folder` as `name:tag` on 127.0.0.1 until `stop`."""

    def __init__(self, folder: Path, name: str, tag: str, user: str, password: str) -> None:
        super().__init__(Handler, "registry-double")
        self.folder, self.name, self.tag = folder, name, tag
        self.authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.manifest = (folder / "manifest.json").read_bytes()
        self.digest = "sha256:" + hashlib.sha256(self.manifest).hexdigest()
        self.lie = False
        self.requests: list[str] = []

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def lookup(self, kind: str, ref: str) -> tuple[bytes, str] | None:
        if kind == "manifests":
            if ref not in (self.tag, self.digest) and not self.lie:
                return None
            media_type = json.loads(self.manifest).get(
                "mediaType", "application/vnd.oci.image.manifest.v1+json"
            )
            return (self.manifest + b"\n" if self.lie else self.manifest), media_type
        blob = self.folder / ref.removeprefix("sha256:")
        return (blob.read_bytes(), "application/octet-stream") if blob.is_file() else None
