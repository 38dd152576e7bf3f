"""Auth events, logged by name with their fields: login_started, login_succeeded, login_failed, logout, ….

Nothing here ever receives a token, a code or a secret, only reasons. Records go to the
logger "flask_cognito_signin.events" with `event` and `fields` attributes (and, for failures, the
cause and the fix in the message text, where every formatter shows them), for whatever
formatter and filters the host app uses (the example app writes JSON lines, stamped with
its request ids and the client address). Each event is also sent as the signal
`flask_cognito_signin.signals.auth_event`, which the metrics count when a host enables them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from .signals import auth_event

log = logging.getLogger("flask_cognito_signin.events")

#: Control characters (CR and LF among them): a value a request carried must not start a forged log line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def log_event(event: str, level: int = logging.INFO, message: str = "", **fields: Any) -> None:
    """Log an auth event by name, e.g. log_event("login_failed", logging.WARNING, error.explanation, reason=…).

    `message` says in words what happened and what to do; it is part of the line itself
    ("login_failed: <message>"), so a host with Python's default logging, which shows the
    message and none of the fields, still reads the cause and the fix.
    """
    text = f"{event}: {_CONTROL.sub(' ', message)}" if message else event
    log.log(level, "%s", text, extra={"event": event, "fields": fields})
    auth_event.send(event, fields=fields)
