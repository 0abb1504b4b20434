"""Gunicorn settings for the model service, read from the environment.

Usage: gunicorn --config python:iris_classifier.gunicorn_conf 'iris_classifier.service:create_app()'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from iris_classifier.logs import configure_logging

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"

# One worker process per container, with threads for concurrency: /metrics then describes the whole
# container (prometheus-client counters are per process), and the model is loaded once. Scale out with
# more containers, not more workers.
workers = 1
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Heartbeat files on tmpfs: a container's overlay filesystem can stall and get healthy workers killed.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None

# Gunicorn >= 25 opens a management socket under $HOME by default; a container is replaced, not managed
# in place, and its non-root user has no home directory to put the socket in.
control_socket_disable = True

loglevel = os.environ.get("LOG_LEVEL", "info")
errorlog = "-"
# Per-request access lines would duplicate /metrics and break "stdout is JSON, one line per prediction".
accesslog = None


def on_starting(server: Any) -> None:
    """Configure the service's JSON logging in the master, before the workers are forked."""
    configure_logging(loglevel)
