"""The app's Request: a browser's Cookie header is parsed once per worker, not on every request.

A signed-in browser sends the same Cookie header with every request, and Werkzeug builds
`request.cookies` by walking the whole WSGI environ and parsing the header each time. The
parsed result is an ImmutableMultiDict, so one parse can serve every request that sends
the same header.
"""

from __future__ import annotations

import functools

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import parse_cookie
from werkzeug.utils import cached_property

#: Distinct Cookie headers one worker remembers (the least recently used go first). Gunicorn
#: caps a header at 8 kB, so the cache stays within a few MB even when every entry is that long.
PARSED_COOKIE_HEADERS = 512


@functools.lru_cache(maxsize=PARSED_COOKIE_HEADERS)
def _parse_cookie_header(header: str) -> ImmutableMultiDict[str, str]:
    return parse_cookie(header, cls=ImmutableMultiDict)  # type: ignore[return-value]


class AppRequest(Request):
    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        # A WSGI environ holds one Cookie header (servers join repeated ones), which is all that
        # Werkzeug's own `";".join(headers.getlist("Cookie"))` finds after walking the environ.
        return _parse_cookie_header(self.headers.get("Cookie", ""))


def init_app(app: Flask) -> None:
    app.request_class = AppRequest
