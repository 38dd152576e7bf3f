"""The example app's logs: one JSON object per line, each with the id of the request that caused it.

The extension logs auth events by name (flask_cognito_signin.events); this module is the
host's choice of how to write them, and of a request id on every request and response.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time

from flask import Flask, g, request

from flask_cognito_signin.events import request_context

_REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
#: The loggers written as JSON: this app's and the extension's.
_LOGGERS = ("app", "flask_cognito_signin")


class RequestContextFilter(logging.Filter):
    """Stamps every record with the request it was logged in, while that request is still current."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in request_context().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, "event", None),
            "message": None if getattr(record, "event", None) else record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "client": getattr(record, "client", None),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps({key: value for key, value in line.items() if value is not None}, default=str)


def init_app(app: Flask) -> None:
    """JSON log lines for the app's and the extension's loggers, and a request id on every request and response."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(JsonFormatter())
            handler.addFilter(RequestContextFilter())
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(_REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else secrets.token_hex(8)

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers[_REQUEST_ID_HEADER] = g.request_id
        return response
