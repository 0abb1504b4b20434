"""The local target with rootless podman: `ci-gen deploy` run by an ordinary user (subordinate ids, the
user's own image store, slirp4netns networking, nginx as that user). A first version is judged and
installed, a second one promoted through basic, then the environment is taken down; nothing is left.
The build job's smoke test (through rehearse's docker shim: host network) passes as that user too.

scripts/ci-setup-podman.sh creates the user (ci-gen-rootless) with its subordinate id ranges and makes
/dev/net/tun usable by others, which slirp4netns needs (docs/deploy.md, "Rootless podman").
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import generator
from generator.deploy.ports import free_port
from generator.location import Location
from generator.podman import containers_conf
from generator.project import render_project
from generator.rehearse.containers import SHIM
from tests.deploy.conftest import FAKE, free_block, need

pytestmark = pytest.mark.slow

USER = "ci-gen-rootless"
BASE_IMAGE = "localhost/ci-gen-base:bookworm"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SPEC = """\
version: 1
project: rootless
python: "3.11"
container: {{port: {inner}, sample-request: sample.json}}
deploy:
  target: local
  local: {{runtime: podman, base-port: {base}, health-timeout: 90s, traffic: users.jsonl}}
  stages:
    - {{name: prod, strategy: basic, basic: {{verify: 1s}}, gates: {{min-requests: 5}}}}
"""


@dataclass(frozen=True)
class AsUser:
    """Runs commands as the rootless user, with a clean environment (no root's HOME, XDG or podman state)."""

    account: pwd.struct_passwd
    python: str = ""
    site: Path | None = None

    def env(self) -> dict[str, str]:
        env = {"HOME": self.account.pw_dir, "USER": self.account.pw_name, "LOGNAME": self.account.pw_name}
        env |= {"PATH": PATH, "LANG": "C.UTF-8", "CONTAINERS_CONF": podman_conf(self.site)}
        return env | ({"PYTHONPATH": str(self.site)} if self.site else {})

    def run(
        self, *argv: str, cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        ids = [f"--reuid={self.account.pw_uid}", f"--regid={self.account.pw_gid}", "--init-groups"]
        return subprocess.run(
            ["setpriv", *ids, *argv],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def ci_gen(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return self.run(self.python, "-c", "from generator.cli import main; main()", *args, cwd=cwd)

    def podman(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("podman", *args)


def podman_conf(site: Path | None) -> str:
    """ci-gen's podman settings, from the user's readable copy of the package when there is one."""
    shipped = Path(containers_conf())
    return (
        str(site / "generator" / shipped.relative_to(Path(generator.__file__).parent))
        if site
        else str(shipped)
    )


def runtime_distributions(name: str, seen: dict[str, importlib.metadata.Distribution]) -> None:
    """`name`'s installed runtime dependencies, recursively (no extras)."""
    for line in importlib.metadata.requires(name) or []:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        key = requirement.name.lower().replace("_", "-")
        if key not in seen:
            seen[key] = importlib.metadata.distribution(requirement.name)
            runtime_distributions(requirement.name, seen)


def readable_copy(folder: Path) -> Path:
    """ci-gen and its runtime dependencies where the user can read them (this checkout and its venv may
    sit under a home folder the user cannot enter)."""
    site = folder / "site"
    package = Path(generator.__file__).parent
    shutil.copytree(package, site / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    seen: dict[str, importlib.metadata.Distribution] = {}
    runtime_distributions("ci-gen", seen)
    for distribution in seen.values():
        for file in distribution.files or []:
            source = Path(str(distribution.locate_file(file)))
            if ".." not in file.parts and source.is_file():
                (site / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, site / file)
    return site


# ci-gen starts helpers with its own interpreter: the user must be able to run it, not just start it.
REEXEC = "import subprocess, sys; subprocess.run([sys.executable, '-c', ''], check=True)"


def interpreter(user: AsUser) -> str:
    """A Python of this minor version that the user may run (the copied dependencies are built for it)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (os.path.realpath(sys.executable), shutil.which(version, path=PATH)):
        if candidate and user.run(candidate, "-c", REEXEC).returncode == 0:
            return candidate
    message = f"no {version} that {USER} can run (root's own Python is not readable to others)"
    pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    raise AssertionError  # unreachable: fail and skip raise


@pytest.fixture(scope="module")
def user() -> Iterator[AsUser]:
    """The rootless user, able to run ci-gen (a copy it can read) and podman with the base image."""
    need("podman")
    need("nginx")
    need("setpriv")
    if os.geteuid() != 0:
        pytest.skip("the suite runs as an ordinary user here: its podman tests are the rootless ones")
    try:
        account = pwd.getpwnam(USER)
    except KeyError:
        message = f"there is no user {USER}: scripts/ci-setup-podman.sh creates it"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="ci-gen-rootless-"))
    folder.chmod(0o755)
    try:
        plain = AsUser(account)
        user = AsUser(account, interpreter(plain), readable_copy(folder))
        base_image(user, folder)
        yield user
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def base_image(user: AsUser, folder: Path) -> None:
    """The base image in the user's own image store (rootless podman does not see root's)."""
    if user.podman("image", "exists", BASE_IMAGE).returncode == 0:
        return
    archive = folder / "base.tar"
    saved = subprocess.run(["podman", "save", "-o", str(archive), BASE_IMAGE], capture_output=True, text=True)
    assert saved.returncode == 0, f"{saved.stderr} (scripts/ci-setup-podman.sh makes {BASE_IMAGE})"
    archive.chmod(0o644)
    loaded = user.podman("load", "-q", "-i", str(archive))
    assert loaded.returncode == 0, loaded.stderr
    archive.unlink()


@pytest.fixture(scope="module")
def images(user: AsUser) -> Iterator[tuple[int, list[str]]]:
    """The port the images listen on (whatever $PORT says) and NAME@DIGEST of two versions of the fake
    service, built by the user into its own store."""
    assert user.site is not None
    inner = free_port()
    built = [build(user, user.site.parent / label, label, inner) for label in ("setosa", "virginica")]
    yield inner, built
    for image in built:
        user.podman("rmi", "--force", image.split("@")[0])


def build(user: AsUser, context: Path, label: str, port: int) -> str:
    context.mkdir(mode=0o755)
    shutil.copy(FAKE, context / "service.py")
    (context / "model.json").write_text(json.dumps({"label": label}))
    (context / "Containerfile").write_text(
        f"FROM {BASE_IMAGE}\nCOPY service.py model.json /app/\nENV MODEL_PATH=/app/model.json\n"
        f'CMD ["sh", "-c", "PORT={port} exec python3 /app/service.py"]\n'
    )
    for path in context.iterdir():
        path.chmod(0o644)
    tag = f"localhost/ci-gen-rootless-{label}-{os.getpid()}"
    made = user.podman("build", "-q", "-t", tag, str(context))
    assert made.returncode == 0, made.stderr
    digest = user.podman("image", "inspect", "--format", "{{.Digest}}", tag).stdout.strip()
    return f"{tag}@{digest}"


def project(user: AsUser, name: str, inner: int) -> tuple[Path, int]:
    """A project folder the user owns, and its base port."""
    assert user.site is not None
    root = user.site.parent / name
    root.mkdir()
    base = free_block(4)
    (root / "ci-gen.yaml").write_text(SPEC.format(base=base, inner=inner))
    (root / "requirements.in").write_text("")
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "sample.json").write_text('{"features": [1, 2, 3, 4]}')
    (root / "users.jsonl").write_text('{"features": [1, 2, 3, 4]}\n')
    shutil.chown(root, user.account.pw_uid, user.account.pw_gid)
    return root, base


def answer(url: str) -> str:
    asked = subprocess.run(
        ["curl", "-sf", "-H", "Content-Type: application/json", "-d", '{"features": [1, 2, 3, 4]}', url],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return asked.stdout


def test_a_rootless_user_deploys_promotes_and_takes_down(user: AsUser, images: tuple[int, list[str]]) -> None:
    inner, built = images
    root, base = project(user, "deploys", inner)
    url = f"http://127.0.0.1:{base}/predict"
    try:
        first = user.ci_gen("deploy", "--stage", "prod", "--image", built[0], cwd=root)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "prod: installed" in first.stdout and "answered the sample request" in first.stdout
        assert '"setosa"' in answer(url)
        running = user.podman("ps", "--format", "{{.Names}} {{.Ports}}").stdout
        assert f"->{inner}/tcp" in running, running  # the user's own podman runs the track

        second = user.ci_gen("deploy", "--stage", "prod", "--image", built[1], cwd=root)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "prod: promoted" in second.stdout
        assert '"virginica"' in answer(url)
    finally:
        down = user.ci_gen("rollback", "--stage", "prod", "--down", cwd=root)
    assert down.returncode == 0, down.stdout + down.stderr
    names = user.podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    assert [name for name in names if name.startswith("ci-gen-prod-")] == []
    assert answer(url) == ""


def test_the_build_jobs_smoke_test_passes_as_a_rootless_user(
    user: AsUser, images: tuple[int, list[str]]
) -> None:
    """The generated smoke-test step, through rehearse's docker shim, run by the user: the container
    answers the health path and the sample request, and is removed afterwards."""
    inner, built = images
    root, _ = project(user, "smoke", inner)
    outputs = render_project(Location.find(root, None)).outputs
    steps = yaml.safe_load(outputs[".github/workflows/ci-gen.yml"])["jobs"]["build"]["steps"]
    step = next(s for s in steps if s.get("name") == "Smoke-test the image")
    shim = root / "bin" / "docker"
    shim.parent.mkdir()
    shim.write_text(SHIM.format(python=user.python, runtime=shutil.which("podman")))
    shim.chmod(0o755)
    env = {k: str(v) for k, v in step["env"].items()} | {"IMAGE": built[0], "GITHUB_RUN_ATTEMPT": "1"}
    env |= {"GITHUB_RUN_ID": f"rootless{os.getpid()}", "PATH": f"{shim.parent}:{PATH}"}
    script = root / "smoke.sh"
    script.write_text(step["run"])
    smoke = user.run(
        "env", *(f"{k}={v}" for k, v in env.items()), "bash", "-eo", "pipefail", str(script), cwd=root
    )
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert '"setosa"' in smoke.stdout  # the sample request's answer
    names = user.podman("ps", "--all", "--format", "{{.Names}}").stdout.split()
    assert f"ci-gen-smoke-rootless{os.getpid()}-1" not in names
