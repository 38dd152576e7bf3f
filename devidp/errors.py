"""Error pages and JSON errors: never a traceback page, one log line per failure."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from authlib.oauth2 import OAuth2Error
from flask import Flask, Response, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("devidp")

#: Endpoints called by relying parties rather than browsers answer in JSON.
_API_PREFIXES = ("/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo")


def _is_api_request() -> bool:
    return request.path.startswith(_API_PREFIXES) or "/.well-known/" in request.path


def render_error_page(error: str, description: str = "", status: int = 400, mismatch: Any = None) -> Response:
    """Cognito-style HTML error page ("An error was encountered with the requested page."); `mismatch`
    (a mismatch.Mismatch) adds what a developer needs to fix a redirect_mismatch."""
    html = render_template("devidp/error.html", error=error, description=description, mismatch=mismatch)
    return make_response(html, status)


def error_page(error: str, description: str, status: int = 400) -> Response:
    """The error page in place, logged: for failures that are not Cognito's /error redirects."""
    log.warning("%s %s: %s (%s)", request.method, request.path, error, description)
    return render_error_page(error, description, status)


def _error(error: str, description: str, status: int, json_only: bool) -> Response:
    if not json_only and not _is_api_request():
        return error_page(error, description, status)
    log.warning("%s %s: %s (%s)", request.method, request.path, error, description)
    return make_response(jsonify(error=error, error_description=description), status)


def register_error_handlers(app: Flask, *, json_only: bool = False) -> None:
    """``json_only`` for the issuer origin, which serves no pages."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        return _error(code, exc.description or "", exc.code or 500, json_only)

    @app.errorhandler(OAuth2Error)
    def oauth_error(exc: OAuth2Error) -> Response:
        # Raised by Authlib outside its own handling (e.g. insecure transport).
        return _error(exc.error, exc.get_error_description() or "", 400, json_only)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> Response:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        log.error("%s %s: unexpected %r at %s", request.method, request.path, exc, where)
        return _error("server_error", "The emulator hit an unexpected error.", 500, json_only)
