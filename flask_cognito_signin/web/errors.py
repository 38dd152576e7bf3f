"""The extension's failures answer with its error page (or JSON on the API) and one log line with the reason.

Handlers are registered for the extension's own exception types only (they can be raised on
any route: a token refresh, a session store that is down), and for HTTP errors of its own
routes. The host's 404, 500 and other handlers are left alone.

A sign-in failure's log line names its cause and its fix. The page shows them too when the
app runs in debug mode (`flask run --debug`), on the developer's machine; otherwise it says
only what a visitor may know, since the cause names the app's set-up (URLs, client id).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.wrappers import Response

from flask_cognito_signin.authz import bearer_challenge, is_api_request, json_error, sign_in_redirect
from flask_cognito_signin.events import log_event
from flask_cognito_signin.oidc import OIDCError
from flask_cognito_signin.oidc.errors import RefreshUnavailable, SessionEnded
from flask_cognito_signin.sessions import StoreUnavailable

from . import headers
from .auth import bp
from .csrf import CSRFRejected

_API_CSRF = ("A request that changes something and is signed in by the session cookie must carry the session's "
             "CSRF token, in the X-CSRFToken header or the csrf_token field. Programs send a bearer token instead.")
_STORE_DOWN = (
    "Service temporarily unavailable",
    "The session store is not answering, so nobody can sign in or stay signed in right now. "
    "Please try again in a moment.",
)


def _answer(status: int, code: str, title: str, message: str, error: OIDCError | None = None) -> Response:
    """The page (JSON on the API); in debug mode with `error`'s cause and fix, which the log line has anyway."""
    shown = error if error is not None and current_app.debug else None
    if is_api_request():
        response = json_error(status, code, message, **({"cause": shown.cause, "fix": shown.fix} if shown else {}))
    else:
        page = render_template("cognito_signin/error.html", status=status, title=title, message=message,
                               cause=shown.cause if shown else None, fix=shown.fix if shown else None)
        response = Response(page, status, mimetype="text/html")
    return headers.protect(response)


def _event_for(error: OIDCError) -> str:
    if isinstance(error, (SessionEnded, RefreshUnavailable)):
        return "refresh_failed"
    return "logout_failed" if request.endpoint == "cognito_signin.logout" else "login_failed"


def _oidc_error(error: OIDCError) -> Response:
    log_event(_event_for(error), logging.WARNING, error.explanation, reason=error.code, detail=error.detail,
              fix=error.fix, temporary=error.temporary, status=error.status)
    return _answer(error.status, error.code, error.title, error.message, error)


def _session_ended(error: SessionEnded) -> Response:
    """Pages go to sign in again (and come back); the API says 401."""
    log_event("session_ended", reason=error.detail)
    if is_api_request():
        return bearer_challenge(None, error.message)
    return sign_in_redirect()


def _csrf_rejected(error: CSRFRejected) -> Response:
    log_event("csrf_rejected", logging.WARNING, reason=str(error), path=request.path)
    if is_api_request():  # a signed-in browser's request without the token: not allowed, whoever sent it
        return _answer(403, "csrf_failed", "Not allowed", _API_CSRF)
    return _answer(400, "csrf_failed", "Form expired", "This form is no longer valid. Reload the page and try again.")


def _store_unavailable(error: StoreUnavailable) -> Response:
    log_event("session_store_unavailable", logging.ERROR, detail=str(error), stage="request")
    return _answer(503, "session_store_unavailable", *_STORE_DOWN)


def _http_error(error: HTTPException) -> Response:
    return _answer(error.code or 500, error.name.lower().replace(" ", "_"), error.name, error.description or "")


# The blueprint's own routes only. By status code, not by HTTPException: Flask prefers a handler
# for the code anywhere (a host's app-wide 404 page) to one for the exception class.
for _code in default_exceptions:
    bp.register_error_handler(_code, _http_error)


def init_app(app: Flask) -> None:
    app.register_error_handler(OIDCError, _oidc_error)
    app.register_error_handler(SessionEnded, _session_ended)
    app.register_error_handler(CSRFRejected, _csrf_rejected)
    app.register_error_handler(StoreUnavailable, _store_unavailable)
