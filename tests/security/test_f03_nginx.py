"""Finding 3 (low): nginx configuration injection.

On main `deploy.local.state-dir` could hold `;` and `#` and reached `error_log`, `pid`, the temp paths and
`access_log` unquoted, so a spec value could add nginx directives. The spec now allows a safe character
set only, and every value written into the configuration is quoted (or refused); real nginx checks it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.deploy.targets.local.router import NginxRouter, Ports, Routing
from generator.errors import UsageError
from tests.helpers import GOLDEN, copy_project, run

HOSTILE = [
    "state;error_log /tmp/pwned",
    "state#comment",
    "state{x}",
    'state"quoted',
    "state'quoted",
    "state\nerror_log /tmp/pwned;",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_spec_refuses_a_state_dir_with_nginx_syntax(tmp_path: Path, value: str) -> None:
    project = copy_project(GOLDEN / "three-stages", tmp_path / "project")
    spec = project / "ci-gen.yaml"
    local = f"  local:\n    state-dir: {json.dumps(value)}\n"
    spec.write_text(spec.read_text().replace("  target: local\n", "  target: local\n" + local))
    result = run(["-C", str(project), "validate"])
    assert result.exit_code == 2
    assert "state-dir" in result.output


@pytest.mark.skipif(shutil.which("nginx") is None and not os.environ.get("CI"), reason="nginx")
@pytest.mark.parametrize("name", ["a;b", "a#b", "a{b}", 'a"b', "a'b", "a b\\c"])
def test_every_path_in_the_config_is_quoted(tmp_path: Path, name: str) -> None:
    """A state folder given on the command line (not through the spec) with nginx syntax in its name:
    nginx accepts the config, and its error log lands inside that folder, nowhere else."""
    folder = tmp_path / name / "router"
    (folder / "logs").mkdir(parents=True)
    (folder / "tmp").mkdir()
    router = NginxRouter(folder, Ports.block(20000))
    router.conf.write_text(router.render(Routing(weight=10, mirror_to="candidate", mirror_percent=50), 1))
    nginx = ["nginx", "-p", f"{folder}/", "-c", str(router.conf), "-t"]
    proc = subprocess.run(nginx, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (folder / "logs" / "error.log").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize("value", ["a\nb", "a$b", "a\x00b"])
def test_what_cannot_be_quoted_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(UsageError):
        NginxRouter(tmp_path / value, Ports.block(20000)).render(Routing(), 1)
    with pytest.raises(UsageError):
        NginxRouter(tmp_path, Ports.block(20000), max_body=f"1m;{value}").render(Routing(), 1)
