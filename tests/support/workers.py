"""Another worker of the app in a process of its own, as gunicorn forks them: its own app, its own
caches (verified cookies, auth records, remembered reads) and its own store connections."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Mapping
from typing import Any

from app import create_app
from tests.support.cognito import APP_BASE_URL

_ANSWER_WITHIN = 30


class Worker:
    """Serves GET requests with a given session cookie from a forked process, until stopped."""

    def __init__(self, environ: Mapping[str, str]):
        context = multiprocessing.get_context("fork")
        self._pipe, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(dict(environ), child_end), daemon=True)
        self.process.start()

    def get(self, path: str, cookie: str) -> tuple[int, Any]:
        """The status and JSON body (None if not JSON) of GET `path` sent with the session `cookie`."""
        self._pipe.send((path, cookie))
        if not self._pipe.poll(_ANSWER_WITHIN):
            raise AssertionError(f"the worker process did not answer GET {path} within {_ANSWER_WITHIN} s")
        answer = self._pipe.recv()
        if isinstance(answer, str):
            raise AssertionError(f"the worker process failed:\n{answer}")
        return answer

    def stop(self) -> None:
        if self.process.is_alive():
            self._pipe.send(None)
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _serve(environ: dict[str, str], pipe) -> None:
    try:
        app = create_app(environ)
        cookie_name = app.session_interface.cookie_name
        host = APP_BASE_URL.split("://", 1)[1]
        while (request := pipe.recv()) is not None:
            path, cookie = request
            client = app.test_client()
            client.set_cookie(cookie_name, cookie, domain=host, secure=APP_BASE_URL.startswith("https"))
            response = client.get(path, base_url=APP_BASE_URL)
            pipe.send((response.status_code, response.get_json(silent=True)))
    except Exception:  # whatever it is, the test process shows it
        pipe.send(traceback.format_exc())
