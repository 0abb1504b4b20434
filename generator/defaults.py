"""Names and defaults that several parts of ci-gen share (the spec, the plan, `init`, the deploy targets),
kept in one place so that they cannot drift apart."""

from __future__ import annotations

WORKFLOWS_DIR = ".github/workflows"
"""Where GitHub reads workflows and ci-gen writes them, relative to the spec's folder (the repo root)."""

STATE_DIR = ".ci-gen-state"
"""Deploy state, router configuration and track logs, relative to the repository root (git-ignored)."""

TRACKING_STORE = ".ci-gen-tracking"
"""The embedded MLflow store (SQLite and artifacts) when no tracking server is set (git-ignored)."""

HEALTH_TIMEOUT = 60
"""Seconds a new local track may take to answer its health check."""

KUBERNETES_HEALTH_TIMEOUT = 300
"""Seconds a Kubernetes rollout may take to become available (pulls and scheduling take longer)."""

PYTHON_MATRIX_KEY = "python"
"""The matrix key of the generated test job that holds the Python versions (`matrix.python` in the
built-in templates; doctor reads the same key, and `rehearse --matrix python=3.11` selects by it)."""

CONTAINER_PORT = 8000
"""The port a model service listens on inside its container when the spec does not say."""

ADD_HASHES = "to add hashes keeping exactly its pins: ci-gen lock --add-hashes"
"""What `validate`, `ci-gen lock` and the lock warnings offer for a pinned requirements file, unhashed."""
