"""Auth events, logged by name with their fields: login_started, login_succeeded, login_failed, logout, ….

Nothing here ever receives a token, a code or a secret, only reasons. Records go to the
logger "flask_cognito_signin.events" with `event` and `fields` attributes, for whatever
formatter and filters the host app uses (the example app writes JSON lines, stamped with
its request ids and the client address). Each event is also sent as the signal
`flask_cognito_signin.signals.auth_event`, which the metrics count when a host enables them.
"""

from __future__ import annotations

import logging
from typing import Any

from .signals import auth_event

log = logging.getLogger("flask_cognito_signin.events")


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log an auth event by name, e.g. log_event("login_failed", reason="invalid_token")."""
    log.log(level, event, extra={"event": event, "fields": fields})
    auth_event.send(event, fields=fields)
