"""Structured logs: one JSON object per line, each with the id of the request that caused it.

Auth events (login_started, login_succeeded, login_failed, logout, …) are logged by name
with their fields; nothing here ever receives a token, a code or a secret, only reasons.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from flask import Flask, g, has_request_context, request

log = logging.getLogger("app.events")

_REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log an auth event by name, e.g. log_event("login_failed", reason="invalid_token")."""
    log.log(level, event, extra={"event": event, "fields": fields, **_request_context()})


def _request_context() -> dict[str, str | None]:
    return {"request_id": request_id(), "client": client_address()}


class RequestContextFilter(logging.Filter):
    """Stamps every record with the request it was logged in, while that request is still current."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _request_context().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def client_address() -> str | None:
    """The client's address: the peer's, or with TRUSTED_PROXY_COUNT set, the one the proxies vouch for."""
    return request.remote_addr if has_request_context() else None


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
    """JSON log lines for the app's loggers, and a request id on every request and response."""
    package_logger = logging.getLogger("app")
    if not package_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestContextFilter())
        package_logger.addHandler(handler)
        package_logger.setLevel(logging.INFO)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(_REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else secrets.token_hex(8)

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers[_REQUEST_ID_HEADER] = g.request_id
        return response
