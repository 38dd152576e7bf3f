"""CSRF protection: Flask-WTF's per-session token, for the sign-out form, the API's cookie-authenticated writes
and, when the host asks (`CognitoSignIn(protect_forms=True)`), the host's own forms.

Templates get `csrf_token()` for the sign-out form and for scripts. Under the API prefix a
browser's session cookie is ambient authority, and so is the cookie of a load balancer that signs
people in: an unsafe request (POST, PUT, PATCH, DELETE) either authenticates must carry the token
too, in a header (X-CSRFToken, X-CSRF-Token) or the form field `csrf_token`. A bearer token is no
ambient authority (a page of another site cannot set the Authorization header): such requests
need none. The host's own forms are left alone unless the host opts in.
"""

from __future__ import annotations

from flask import Request, current_app, g, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from flask_cognito_signin.state import signin_state
from flask_cognito_signin.user_session import current_user_session

#: RFC 9110 9.2.1: the methods that change nothing, which a forged request gains nothing by.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Flask-WTF's default WTF_CSRF_HEADERS, where a script sends the token.
_HEADERS = ("X-CSRFToken", "X-CSRF-Token")
#: The extension's blueprint (web/auth.py), whose sign-out forms check their own token.
_OWN_BLUEPRINT = "cognito_signin"


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
    protect(_token_sent(this_request))


def protect_host_forms() -> None:
    """With `protect_forms=True`, before every request: an unsafe request to one of the host's own views must
    carry the session's CSRF token, whoever sends it (a form for visitors who have not signed in too).

    A hook on Flask-WTF's token functions rather than its CSRFProtect, which exempts by view or
    blueprint: the exemptions here are by request. The API prefix is protect_api_writes' (cookie
    writes checked there, bearer requests need none: checking them here would check twice or
    refuse programs), and the extension's routes check their own forms. CSRFProtect would also
    check the Referer on https, refusing every form of a page sent with Referrer-Policy: no-referrer;
    the token is the check, as for the extension's own forms. A request no view answers (404, 405)
    gets its own answer rather than a CSRF one.
    """
    this_request = request._get_current_object()
    if this_request.method in SAFE_METHODS or this_request.endpoint is None or _checked_elsewhere(this_request):
        return
    protect(_token_sent(this_request))


def _checked_elsewhere(this_request: Request) -> bool:
    return (this_request.blueprint == _OWN_BLUEPRINT
            or this_request.path.startswith(signin_state().settings.api_prefix))


def _token_sent(this_request: Request) -> str | None:
    """Where Flask-WTF looks: a header of WTF_CSRF_HEADERS (scripts), else the form field WTF_CSRF_FIELD_NAME."""
    headers = current_app.config.get("WTF_CSRF_HEADERS", _HEADERS)
    token = next((this_request.headers[name] for name in headers if name in this_request.headers), None)
    return token or this_request.form.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


__all__ = ["SAFE_METHODS", "CSRFRejected", "generate_csrf", "protect", "protect_api_writes", "protect_host_forms"]
