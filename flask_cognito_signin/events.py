"""Auth events, logged by name with their fields: login_started, login_succeeded, login_failed, logout, ….

Nothing here ever receives a token, a code or a secret, only reasons. Records go to the
logger "flask_cognito_signin.events" with `event`, `fields`, `request_id` and `client`
attributes, for whatever formatter the host app uses (the example app writes JSON lines).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context, request

log = logging.getLogger("flask_cognito_signin.events")


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log an auth event by name, e.g. log_event("login_failed", reason="invalid_token")."""
    log.log(level, event, extra={"event": event, "fields": fields, **request_context()})


def request_context() -> dict[str, str | None]:
    """The request a record belongs to: its id (when the host assigns one in g.request_id) and client address.

    The client address is the peer's, or the one trusted proxies vouch for (TRUSTED_PROXY_COUNT).
    """
    if not has_request_context():
        return {"request_id": None, "client": None}
    return {"request_id": g.get("request_id"), "client": request.remote_addr}
