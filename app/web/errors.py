"""The example app's own error pages: HTTP errors of its routes, and anything unexpected, as one page (JSON on the API).

The extension answers its own failures (sign-in, token refresh, session store); this is the
host's part, as any Flask app has.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from flask_cognito_signin.authz import is_api_request, json_error

log = logging.getLogger(__name__)


def _answer(status: int, code: str, title: str, message: str):
    if is_api_request():
        return json_error(status, code, message)
    return render_template("error.html", status=status, title=title, message=message), status


def _http_error(error: HTTPException):
    return _answer(error.code or 500, error.name.lower().replace(" ", "_"), error.name, error.description or "")


def _internal_error(error: InternalServerError):
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception)
    return _answer(500, "internal_error", "Something went wrong", "An unexpected error occurred. Please try again.")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _internal_error)
