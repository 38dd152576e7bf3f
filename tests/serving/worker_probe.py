"""A WSGI app that tells which worker class serves it, whether gevent patched the process, and in
which order its worker (which process) served each request, and whether its connections are balanced."""

import gc
import itertools
import json
import os
import sys

_served = itertools.count(1)


def app(environ, start_response):
    patched = "gevent.monkey" in sys.modules and sys.modules["gevent.monkey"].is_module_patched("socket")
    ggevent = sys.modules.get("gunicorn.workers.ggevent")
    balanced = ggevent is not None and ggevent.StreamServer.__name__ == "BalancedStreamServer"
    body = json.dumps({"patched": patched, "worker": type(environ["gunicorn.socket"]).__module__,
                       "served": next(_served), "pid": os.getpid(), "balanced": balanced,
                       "frozen": gc.get_freeze_count()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
