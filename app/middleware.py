"""The example app's WSGI middleware: a request id on every request, strict security headers on every response.

Both are added as the response starts, as plain header tuples: as Flask before/after-request
hooks, through Werkzeug's header validation and Cache-Control objects, they cost more than
the whole of Flask's own work for a small request (measured by `make bench`).

- The request id is the client's X-Request-ID when it is short and plain, else a new one:
  a random prefix per worker process and a counter (unique is all an id must be; drawing
  random bytes for each request is what cost the time). It is echoed in the response and
  kept in the environ for the log lines of the request.
- The security headers are the extension's (no inline script or style, no framing, no
  Referer: the callback URL carries the authorization code), plus `Cache-Control: no-store`
  for everything but static files: pages show who is signed in. A header the response already
  has (the extension's own routes set theirs) is left as it is.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from flask_cognito_signin.web.headers import security_headers

#: Where the request id is kept, for logging (app.events).
REQUEST_ID_KEY = "app.request_id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_STATIC_PREFIX = "/static/"


class RequestIdsAndHeaders:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], https: bool):
        self.wsgi_app = wsgi_app
        headers = list(security_headers(https).items())
        self._static_headers = headers
        self._page_headers = [*headers, ("Cache-Control", "no-store")]
        self._ids: tuple[int, str, Iterable[int]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else self._new_id()
        environ[REQUEST_ID_KEY] = request_id
        added = self._static_headers if environ.get("PATH_INFO", "").startswith(_STATIC_PREFIX) else self._page_headers

        def starting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(header for header in added if header[0].lower() not in present)
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, starting)

    def _new_id(self) -> str:
        """prefix-counter, with a prefix drawn once per process (gunicorn forks workers after start-up)."""
        pid = os.getpid()
        if self._ids is None or self._ids[0] != pid:
            self._ids = (pid, secrets.token_hex(4), itertools.count(1))
        _, prefix, counter = self._ids
        return f"{prefix}-{next(counter):x}"
