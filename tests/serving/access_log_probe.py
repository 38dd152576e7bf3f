"""A WSGI app behind the example host's middleware (request ids, headers), for the access log's test."""

from app.middleware import RequestIdsAndHeaders


def _answer(environ, start_response):
    start_response("302 Found", [("Location", "/"), ("Content-Length", "0")])
    return [b""]


app = RequestIdsAndHeaders(_answer, https=False)
