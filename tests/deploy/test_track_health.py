"""A track that does not become healthy says what was probed and shows the end of its log (process runtime;
tests/deploy/test_local_images.py shows the same for a container)."""

from __future__ import annotations

import sys

from tests.deploy.helpers import run_deploy, state

BASIC = "- {name: prod, strategy: basic}\n"


def short_timeout(project) -> None:
    spec = project.root / "ci-gen.yaml"
    spec.write_text(spec.read_text().replace("health-timeout: 60s", "health-timeout: 3s"))


def test_a_track_that_exits_shows_its_last_words(make_project):
    serve = "sh -c 'echo loading the model >&2; echo no such file: model.bin >&2; exit 3'"
    project = make_project(BASIC, serve=serve)
    report = run_deploy(project, "prod", project.model("v1"))
    assert (report.outcome, report.exit_code) == ("refused", 1)
    assert "the stable track" in report.reason and "exited" in report.reason
    assert "loading the model" in report.reason and "no such file: model.bin" in report.reason
    assert state(project).stable is None


def test_a_track_that_never_listens_shows_the_probe(make_project):
    # Runs, but never listens on $PORT: the probe is refused, and the message says where it looked.
    serve = f"{sys.executable} -c 'import time; time.sleep(60)'"
    project = make_project(BASIC, serve=serve)
    short_timeout(project)
    report = run_deploy(project, "prod", project.model("v1"))
    assert report.outcome == "refused"
    port = project.base_port + 1
    assert f"GET http://127.0.0.1:{port}/health last gave" in report.reason
    assert "Connection refused" in report.reason and "$HOST:$PORT" in report.reason
