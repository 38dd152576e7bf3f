"""The example app's logs: one JSON object per line, each with the id of the request that caused it.

The extension logs auth events by name (flask_cognito_signin.events); this module is the
host's choice of how to write them. The request id comes from app.middleware.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import has_request_context, request

from .middleware import REQUEST_ID_KEY

#: The loggers written as JSON: this app's and the extension's.
_LOGGERS = ("app", "flask_cognito_signin")


class RequestContextFilter(logging.Filter):
    """Stamps every record with the request it was logged in (its id and client), while that request is current."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            if getattr(record, "request_id", None) is None:
                record.request_id = request.environ.get(REQUEST_ID_KEY)
            if getattr(record, "client", None) is None:
                record.client = request.remote_addr
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, "event", None)
        # An event's message is its name, then (for failures) the cause and the fix: those words stay.
        message = record.getMessage().removeprefix(f"{event}: ") if event else record.getMessage()
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": event,
            "message": None if message == event else message,
            "request_id": getattr(record, "request_id", None),
            "client": getattr(record, "client", None),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps({key: value for key, value in line.items() if value is not None}, default=str)


def init_app() -> None:
    """JSON log lines for the app's and the extension's loggers."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(JsonFormatter())
            handler.addFilter(RequestContextFilter())
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
