"""A WSGI app that tells which worker class serves it and whether gevent patched the process."""

import json
import sys


def app(environ, start_response):
    patched = "gevent.monkey" in sys.modules and sys.modules["gevent.monkey"].is_module_patched("socket")
    body = json.dumps({"patched": patched, "worker": type(environ["gunicorn.socket"]).__module__}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
