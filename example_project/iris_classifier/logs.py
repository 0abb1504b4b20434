"""JSON logging: one JSON object per line on stdout, so log shippers and ci-gen's shadow comparison can
parse every line without guessing at formats."""

from __future__ import annotations

import json
import logging
import sys
from typing import IO, Any

PREDICTION_LOGGER = "iris_classifier.predictions"
_COMPACT = (",", ":")


class JsonFormatter(logging.Formatter):
    """Format records as one-line JSON; records logged by `log_event` are emitted verbatim."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        if getattr(record, "json_event", False):
            return record.getMessage()
        entry: dict[str, Any] = {
            "event": "log",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, separators=_COMPACT)


def log_event(logger: logging.Logger, fields: dict[str, Any]) -> None:
    """Log `fields` as exactly one JSON line at INFO level."""
    # The message is the JSON itself, so caplog and any handler see the same text the formatter emits.
    logger.info(json.dumps(fields, separators=_COMPACT), extra={"json_event": True})


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send the package's logs to `stream` (default stdout) as JSON lines; return the handler.

    Called once by the gunicorn master before it forks workers; the app itself never configures logging,
    so tests and embedding programs keep control of theirs.
    """
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    package_logger = logging.getLogger("iris_classifier")
    package_logger.addHandler(handler)
    package_logger.setLevel(level.upper())
    # Not propagating keeps "exactly one line per prediction" true even if someone configures the root.
    package_logger.propagate = False
    return handler
