"""The example app opts in to the extension's strict security headers on every response, not only on its own.

Its pages need no inline script or style and nothing may frame them; pages that show who is
signed in must not be kept by any cache.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

from flask_cognito_signin.web.headers import security_headers


def init_app(app: Flask, https: bool) -> None:
    headers = security_headers(https)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.update(headers)
        if request.endpoint != "static":
            response.cache_control.no_store = True
        return response
