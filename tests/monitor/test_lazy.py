"""The monitor's heavy libraries stay out of every other command's start-up."""

from __future__ import annotations

import subprocess
import sys


def test_generate_and_deploy_paths_do_not_import_numpy_scipy_or_matplotlib():
    code = (
        "import sys; import generator.cli.app, generator.cli.generate, generator.cli.monitor, "
        "generator.cli.profile, generator.project, generator.deploy.driver; "
        "heavy = sorted(m for m in ('numpy', 'scipy', 'matplotlib') if m in sys.modules); "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
