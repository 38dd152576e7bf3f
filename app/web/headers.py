"""Security headers on every response.

No inline script or style is allowed (the pages need none), nothing may frame the app, and
no Referer leaves it: the callback URL carries the authorization code. Pages that show who
is signed in must not be kept by any cache.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def init_app(app: Flask, https: bool) -> None:
    security_headers = {
        "Content-Security-Policy": _CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
    if https:
        security_headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.update(security_headers)
        if request.endpoint != "static":
            response.cache_control.no_store = True
        return response
