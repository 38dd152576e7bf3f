"""Every failure answers with the one error page (or JSON under /api) and one log line with the reason."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from app.authz import bearer_challenge, is_api_request, json_error, sign_in_redirect
from app.events import log_event
from app.oidc import OIDCError
from app.oidc.errors import RefreshUnavailable, SessionEnded
from app.sessions import StoreUnavailable

log = logging.getLogger(__name__)

_STORE_DOWN = (
    503,
    "Service temporarily unavailable",
    "The session store is not answering, so nobody can sign in or stay signed in right now. "
    "Please try again in a moment.",
)


def _answer(status: int, code: str, title: str, message: str) -> tuple[str, int] | Response:
    if is_api_request():
        return json_error(status, code, message)
    return render_template("error.html", status=status, title=title, message=message), status


def _event_for(error: OIDCError) -> str:
    if isinstance(error, (SessionEnded, RefreshUnavailable)):
        return "refresh_failed"
    return "logout_failed" if request.endpoint == "auth.logout" else "login_failed"


def _oidc_error(error: OIDCError):
    log_event(_event_for(error), logging.WARNING, reason=error.code, detail=error.detail, status=error.status)
    return _answer(error.status, error.code, error.title, error.message)


def _session_ended(error: SessionEnded):
    """Pages go to sign in again (and come back); the API says 401."""
    log_event("session_ended", reason=error.detail)
    if is_api_request():
        return bearer_challenge(None, error.message)
    return sign_in_redirect()


def _csrf_error(error: CSRFError):
    log_event("csrf_rejected", logging.WARNING, reason=error.description, path=request.path)
    return _answer(400, "csrf_failed", "Form expired", "This form is no longer valid. Reload the page and try again.")


def _http_error(error: HTTPException):
    return _answer(error.code or 500, error.name.lower().replace(" ", "_"), error.name, error.description or "")


def _store_unavailable(error: StoreUnavailable):
    log_event("session_store_unavailable", logging.ERROR, detail=str(error))
    status, title, message = _STORE_DOWN
    return _answer(status, "session_store_unavailable", title, message)


def _internal_error(error: InternalServerError):
    """Errors raised while opening or saving the session arrive here, wrapped; unwrap the known ones."""
    original = error.original_exception
    if isinstance(original, StoreUnavailable):
        return _store_unavailable(original)
    if isinstance(original, OIDCError):
        return _oidc_error(original)
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return _answer(500, "internal_error", "Something went wrong", "An unexpected error occurred. Please try again.")


def init_app(app: Flask) -> None:
    app.register_error_handler(OIDCError, _oidc_error)
    app.register_error_handler(SessionEnded, _session_ended)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(StoreUnavailable, _store_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _internal_error)
