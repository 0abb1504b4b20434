"""The Flask model service: /health, /predict, /metrics and /version, per ci-gen's serving contract.

Run it with gunicorn:
    gunicorn --config python:iris_classifier.gunicorn_conf 'iris_classifier.service:create_app()'
"""

from __future__ import annotations

import logging
import os
import platform
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from . import __version__
from .logs import PREDICTION_LOGGER, log_event
from .metrics import ServiceMetrics
from .model import LoadedModel, ModelLoadError, load_model
from .schema import InvalidRequest, decode_json, parse_predict_body

DEFAULT_MODEL_PATH = "artifacts/model.joblib"
DEFAULT_MAX_BATCH_SIZE = 1000
# 1000 rows of named features fit in ~120 KiB; anything far bigger is not a legitimate request.
MAX_BODY_BYTES = 1024 * 1024
REQUEST_ID_HEADER = "X-Request-ID"
# Request ids end up in logs and headers: a conservative alphabet and length keep them safe in both.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
RUNTIME_PACKAGES = (
    "flask",
    "werkzeug",
    "gunicorn",
    "scikit-learn",
    "numpy",
    "scipy",
    "joblib",
    "prometheus-client",
)

logger = logging.getLogger(__name__)
prediction_logger = logging.getLogger(PREDICTION_LOGGER)


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of one app instance."""

    model_path: Path = Path(DEFAULT_MODEL_PATH)
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE

    def __post_init__(self) -> None:
        if self.max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, got {self.max_batch_size}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ServiceConfig:
        """Read MODEL_PATH and MAX_BATCH_SIZE from the environment, with the documented defaults."""
        return cls(
            model_path=Path(environ.get("MODEL_PATH", DEFAULT_MODEL_PATH)),
            max_batch_size=int(environ.get("MAX_BATCH_SIZE", str(DEFAULT_MAX_BATCH_SIZE))),
        )


@dataclass
class ServiceState:
    """What the request handlers of one app share: the model (None if it failed to load) and metrics."""

    config: ServiceConfig
    model: LoadedModel | None
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)


def create_app(config: ServiceConfig | None = None) -> Flask:
    """Build the service; a model that fails to load leaves it up but unhealthy (503) rather than crashed."""
    config = config or ServiceConfig.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    state = ServiceState(config=config, model=_load_or_none(config.model_path))
    if state.model is not None:
        state.metrics.model_info.labels(model_version=state.model.version).set(1)
    app.extensions["iris_classifier"] = state
    _register_hooks(app, state)
    _register_error_handlers(app)
    _register_routes(app, state)
    return app


def request_id_from(header: str | None) -> str:
    """Return the caller's request id if it is safe to echo, else a new uuid4 hex."""
    if header is not None and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def runtime_versions() -> dict[str, Any]:
    """Return the Python version and the installed versions of the packages the service runs on."""
    return {
        "python": platform.python_version(),
        "packages": {name: importlib_metadata.version(name) for name in RUNTIME_PACKAGES},
    }


def _load_or_none(model_path: Path) -> LoadedModel | None:
    try:
        model = load_model(model_path)
    except ModelLoadError:
        logger.exception("model not loaded; /health will answer 503")
        return None
    logger.info("loaded model %s from %s", model.version, model_path)
    return model


def _register_hooks(app: Flask, state: ServiceState) -> None:
    @app.before_request
    def start_request() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = _current_request_id()
        # The rule, not the raw path, so that scanners probing random URLs cannot explode label cardinality.
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        state.metrics.observe_request(endpoint, request.method, response.status_code, seconds)
        return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(InvalidRequest)
    def bad_request(error: InvalidRequest) -> tuple[Response, int]:
        return _error_response(str(error)), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> WerkzeugResponse:
        # Keep werkzeug's response for its status and headers (e.g. Allow on 405); swap in a JSON body.
        response = error.get_response()
        json_body = _error_response(error.description or error.name)
        response.set_data(json_body.get_data())
        response.content_type = json_body.content_type
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        logger.exception("unhandled error in request %s", _current_request_id())
        return _error_response("internal server error"), 500


def _register_routes(app: Flask, state: ServiceState) -> None:
    @app.get("/health")
    def health() -> tuple[Response, int]:
        if state.model is None:
            return jsonify(status="unavailable", error="model not loaded"), 503
        return jsonify(status="ok"), 200

    @app.post("/predict")
    def predict() -> tuple[Response, int]:
        if state.model is None:
            return _error_response("model not loaded"), 503
        return jsonify(_predict(state, state.model)), 200

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(state.metrics.exposition(), content_type=ServiceMetrics.content_type)

    @app.get("/version")
    def version() -> Response:
        model = state.model
        return jsonify(
            model_version=model.version if model else None,
            model_metadata=model.metadata if model else {},
            service_version=__version__,
            runtime=runtime_versions(),
        )


def _predict(state: ServiceState, model: LoadedModel) -> dict[str, Any]:
    body = decode_json(request.get_data(cache=False))
    rows = parse_predict_body(body, model.feature_names, state.config.max_batch_size)
    labels, probabilities = model.predict(rows)
    state.metrics.observe_predictions(labels)
    request_id = _current_request_id()
    latency_ms = round((time.perf_counter() - g.started) * 1000, 3)
    log_event(
        prediction_logger,
        {
            "event": "prediction",
            "request_id": request_id,
            "model_version": model.version,
            "predictions": labels,
            # The features of each row, so `ci-gen monitor` and the drift gates can compare what the
            # model sees with what it was trained on.
            "inputs": [dict(zip(model.feature_names, map(float, row), strict=True)) for row in rows],
            "latency_ms": latency_ms,
        },
    )
    return {
        "predictions": labels,
        "probabilities": probabilities,
        "model_version": model.version,
        "request_id": request_id,
    }


def _current_request_id() -> str:
    # Errors raised before start_request ran (none today, but cheap insurance) still get an id.
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    request_id: str = g.request_id
    return request_id


def _error_response(message: str) -> Response:
    return jsonify(error=message, request_id=_current_request_id())
