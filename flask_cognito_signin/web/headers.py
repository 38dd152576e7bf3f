"""Security headers on the extension's own responses: its routes and its error answers, nothing else.

No inline script or style (its pages need none), no framing, and no Referer: the callback
URL carries the authorization code. Pages that show who is signed in are never cached. A
host that wants the same on every page applies `security_headers` app-wide itself.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from flask_cognito_signin.state import signin_state

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def security_headers(https: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def protect(response: Response) -> Response:
    """The headers above, and no caching except for static files."""
    response.headers.update(security_headers(signin_state().settings.secure_cookies))
    if not (request.endpoint or "").endswith("static"):
        response.cache_control.no_store = True
    return response
