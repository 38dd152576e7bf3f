"""CSRF protection for the sign-out form: Flask-WTF's per-session token, checked by the view itself.

The extension does not switch CSRFProtect on for the whole app (the host's forms are the
host's affair); templates get `csrf_token()` for the sign-out form.
"""

from __future__ import annotations

from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError


class CSRFRejected(Exception):
    """A POST without the session's CSRF token (a forged form, or one from an ended session)."""


def protect(token: str | None) -> None:
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise CSRFRejected(str(error)) from error


__all__ = ["CSRFRejected", "generate_csrf", "protect"]
