"""The champion on GitHub Actions: the newest `ci-gen-champion-STAGE` artifact, found and downloaded
through the REST API with the job's GITHUB_TOKEN (`actions: read` is all it needs).

Only artifacts of runs on the deploy branch of this repository count: a pull request's run (a fork's
too) can upload an artifact of the same name, and must not be able to choose the champion. The token
goes to the API only; the download's redirect to blob storage is followed without it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from generator.errors import ChampionError
from generator.model.bundle import BUNDLE, bundle_metrics
from generator.model.gates import Champion
from generator.model.lookup import Found, Lookup
from generator.spec.champion import artifact_name

MAX_ZIP_BYTES = 2_000_000_000
TIMEOUT = 60


def find_artifact(lookup: Lookup) -> Found:
    """The newest unexpired artifact of the stage from the deploy branch, downloaded and read."""
    name = artifact_name(lookup.stage)
    repository = lookup.env["GITHUB_REPOSITORY"]
    api = lookup.env.get("GITHUB_API_URL") or "https://api.github.com"
    query = urllib.parse.urlencode({"name": name, "per_page": 100})
    listing = _get_json(lookup, f"{api}/repos/{repository}/actions/artifacts?{query}")
    branch = lookup.deploy_ref.removeprefix("refs/heads/")
    usable = [a for a in listing.get("artifacts", []) if _trusted(a, name, branch)]
    where = f"artifact {name} of {repository}"
    if not usable:
        return Found(None, None, f"no {where} from {branch} (none uploaded yet, or expired)")
    newest = max(usable, key=lambda a: str(a.get("created_at", "")))
    bundle = _download(lookup, str(newest["archive_download_url"]))
    run = newest.get("workflow_run") or {}
    version = str(run.get("head_sha", ""))[:12] or str(newest.get("id"))
    metrics = bundle_metrics(bundle, lookup.metrics)
    source = f"{where}, uploaded {newest.get('created_at', '?')} by the deploy of {version}"
    return Found(Champion(lookup.stage, version, metrics, source), bundle, source)


def _trusted(artifact: dict[str, Any], name: str, branch: str) -> bool:
    run = artifact.get("workflow_run") or {}
    return (
        artifact.get("name") == name
        and not artifact.get("expired", False)
        and run.get("head_branch") == branch
        and run.get("head_repository_id") is not None
        and run.get("head_repository_id") == run.get("repository_id")
    )


def _request(lookup: Lookup, url: str) -> urllib.request.Request:
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.github+json"})  # noqa: S310
    request.add_header("X-GitHub-Api-Version", "2022-11-28")
    # Unredirected: the token is for the API, never for the storage host a download redirects to.
    request.add_unredirected_header("Authorization", f"Bearer {lookup.env['GITHUB_TOKEN']}")
    return request


def _open(lookup: Lookup, url: str) -> Any:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ChampionError(f"refusing to fetch the champion from {url}: not https")
    try:
        return urllib.request.urlopen(_request(lookup, url), timeout=TIMEOUT)  # noqa: S310
    except urllib.error.HTTPError as exc:
        hint = " (does the job have `permissions: actions: read`?)" if exc.code in (401, 403) else ""
        raise ChampionError(f"GitHub answered {exc.code} {exc.reason} for {url}{hint}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChampionError(f"cannot reach GitHub's API at {url}: {exc}") from exc


def _get_json(lookup: Lookup, url: str) -> dict[str, Any]:
    with _open(lookup, url) as response:
        try:
            data = json.loads(response.read(50_000_000))
        except ValueError as exc:
            raise ChampionError(f"GitHub's answer for {url} is not JSON") from exc
    if not isinstance(data, dict):
        raise ChampionError(f"GitHub's answer for {url} is not a JSON object")
    return data


def _download(lookup: Lookup, url: str) -> Path:
    """The artifact's zip, unpacked to its model.tar.gz in the work folder."""
    lookup.work.mkdir(parents=True, exist_ok=True)
    archive = lookup.work / "champion.zip"
    with _open(lookup, url) as response, archive.open("wb") as out:
        while chunk := response.read(1 << 20):
            out.write(chunk)
            if out.tell() > MAX_ZIP_BYTES:
                raise ChampionError(f"the champion's artifact is larger than {MAX_ZIP_BYTES} bytes")
    try:
        with zipfile.ZipFile(archive) as zipped:
            data = zipped.read(BUNDLE)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ChampionError(f"the champion's artifact has no readable {BUNDLE}: {exc}") from exc
    bundle = lookup.work / BUNDLE
    bundle.write_bytes(data)
    return bundle
