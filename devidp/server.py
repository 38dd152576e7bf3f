"""Serve the emulator over real HTTP on loopback, in a background thread.

Used by ``python -m devidp`` and by test suites (this one and others) that
need a live emulator: ``with start_server(config) as idp: ...`` gives the
base URL, issuer and discovery URL, and stops the server on exit.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import DEFAULT_HOST, create_app
from .config import PoolConfig, load_config
from .context import EXTENSION_KEY


class _QuietRequestHandler(WSGIRequestHandler):
    """No access-log line per request (tests and load tests make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class RunningServer:
    app: Flask
    base_url: str
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def issuer(self) -> str:
        return self.app.extensions[EXTENSION_KEY].issuer

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0", "::"):
        return DEFAULT_HOST  # a wildcard bind is reached through loopback
    return f"[{host}]" if ":" in host else host


def start_server(
    config: PoolConfig | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    base_url: str | None = None,
    instance_path: str | os.PathLike[str] | None = None,
    log_requests: bool = False,
) -> RunningServer:
    """Serve a new emulator app; ``port=0`` picks a free port.

    The base URL defaults to the config's ``base_url``, else
    ``http://{host}:{actual port}``. Raises OSError if the port is taken.
    """
    pool = config or load_config()
    # Listen first, so that port 0 becomes a real port for the issuer and a
    # busy port is a plain OSError (Werkzeug would print and sys.exit).
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family)
    try:
        bound_port = listener.getsockname()[1]
        app = create_app(
            pool,
            base_url=base_url or pool.base_url or f"http://{_url_host(host)}:{bound_port}",
            instance_path=instance_path,
        )
        server = make_server(
            host,
            bound_port,
            app,
            threaded=True,
            request_handler=None if log_requests else _QuietRequestHandler,
            fd=listener.fileno(),
        )
    finally:
        listener.close()  # the server holds its own duplicate of the socket
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="devidp", daemon=True
    )
    thread.start()
    return RunningServer(
        app=app, base_url=app.extensions[EXTENSION_KEY].base_url, _server=server, _thread=thread
    )
