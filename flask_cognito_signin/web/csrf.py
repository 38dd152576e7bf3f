"""CSRF protection: Flask-WTF's per-session token, for the sign-out form and for the API's cookie-authenticated writes.

The extension does not switch CSRFProtect on for the whole app (the host's forms are the
host's affair); templates get `csrf_token()` for the sign-out form and for scripts. Under the
API prefix a browser's session cookie is ambient authority, and so is the cookie of a load balancer
that signs people in: an unsafe request (POST, PUT, PATCH, DELETE) either authenticates must carry
the token too, in a header (X-CSRFToken, X-CSRF-Token) or the form field `csrf_token`. A bearer
token is no ambient authority (a page of another site cannot set the Authorization header): such
requests need none.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from flask_cognito_signin.state import signin_state
from flask_cognito_signin.user_session import current_user_session

#: RFC 9110 9.2.1: the methods that change nothing, which a forged request gains nothing by.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Flask-WTF's default WTF_CSRF_HEADERS, where a script sends the token.
_HEADERS = ("X-CSRFToken", "X-CSRF-Token")


class CSRFRejected(Exception):
    """A POST without the session's CSRF token (a forged form, or one from an ended session)."""


def protect(token: str | None) -> None:
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise CSRFRejected(str(error)) from error


def protect_api_writes() -> None:
    """Before every request, after the caller is identified: an unsafe API request the session cookie
    authenticates must carry the session's CSRF token."""
    this_request = request._get_current_object()
    if this_request.method in SAFE_METHODS or g.get("bearer") is not None:
        return
    if not this_request.path.startswith(signin_state().settings.api_prefix):
        return
    if g.get("load_balancer") is None and not current_user_session().signed_in:  # no authority to borrow
        return
    headers = current_app.config.get("WTF_CSRF_HEADERS", _HEADERS)
    token = next((this_request.headers[name] for name in headers if name in this_request.headers), None)
    protect(token or this_request.form.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")))


__all__ = ["CSRFRejected", "SAFE_METHODS", "generate_csrf", "protect", "protect_api_writes"]
