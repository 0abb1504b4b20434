import importlib
import io
import json
import logging

import pytest

from iris_classifier import gunicorn_conf
from iris_classifier.logs import PREDICTION_LOGGER, configure_logging, log_event


@pytest.fixture
def reload_conf(monkeypatch):
    def reload(**env):
        for name in ("HOST", "PORT"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(gunicorn_conf)

    yield reload
    monkeypatch.undo()
    importlib.reload(gunicorn_conf)


def test_bind_defaults_to_all_interfaces_on_8000(reload_conf):
    assert reload_conf().bind == "0.0.0.0:8000"


def test_bind_follows_host_and_port(reload_conf):
    assert reload_conf(HOST="127.0.0.1", PORT="9123").bind == "127.0.0.1:9123"


def test_a_single_worker_serves_every_request(reload_conf):
    # prometheus-client counters are per process: one worker keeps /metrics the container's whole truth.
    assert reload_conf().workers == 1


def test_no_control_socket_is_opened(reload_conf):
    # The container user has no home directory for gunicorn's default control socket path.
    assert reload_conf().control_socket_disable is True


@pytest.fixture
def package_logging():
    package_logger = logging.getLogger("iris_classifier")
    saved = (package_logger.level, package_logger.propagate)
    stream = io.StringIO()
    handler = configure_logging("INFO", stream)
    yield stream
    package_logger.removeHandler(handler)
    package_logger.setLevel(saved[0])
    package_logger.propagate = saved[1]


def test_configured_logging_writes_prediction_events_verbatim(package_logging):
    log_event(logging.getLogger(PREDICTION_LOGGER), {"event": "prediction", "predictions": ["setosa"]})
    assert package_logging.getvalue() == '{"event":"prediction","predictions":["setosa"]}\n'


def test_configured_logging_wraps_other_records_as_json(package_logging):
    logging.getLogger("iris_classifier.service").warning("disk %s", "full")
    entry = json.loads(package_logging.getvalue())
    assert entry == {
        "event": "log",
        "level": "WARNING",
        "logger": "iris_classifier.service",
        "message": "disk full",
    }
