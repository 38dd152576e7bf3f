"""Serve the emulator over real HTTP on loopback, in background threads.

Used by ``python -m devidp`` and by test suites (this one and others) that
need a live emulator: ``with start_server(config) as idp: ...`` gives both
public origins (the issuer's and the pool domain's), the issuer and the
discovery URL, and stops both servers on exit.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import unquote_plus

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from . import alb_keys
from .alb import LoadBalancer, client_for, default_arn
from .app import DEFAULT_HOST, EmulatorApps, create_apps, default_domain_host
from .config import PoolConfig, load_config


#: Query parameters whose values must not reach the request log: authorization codes (the app's, and an
#: upstream provider's or the load balancer's at /oauth2/idpresponse), what binds a sign-in to its browser
#: (state, nonce, the PKCE challenge) and tokens passed as hints.
SECRET_QUERY_PARAMETERS = frozenset({"code", "state", "nonce", "code_challenge", "id_token_hint"})
REDACTED = "[redacted]"


class _QuietRequestHandler(WSGIRequestHandler):
    """No access-log line per request (tests and load tests make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _RequestLogWithoutSecrets(WSGIRequestHandler):
    """Werkzeug's request line, with the values of SECRET_QUERY_PARAMETERS replaced.

    The line is logged as the answer starts, after the request's environ was built from the
    path: the path is rewritten for the log line alone.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if hasattr(self, "path"):  # absent when the request line itself was bad
            self.path = redact_secret_parameters(self.path)
        super().log_request(code, size)


def redact_secret_parameters(target: str) -> str:
    """The request target with each secret parameter's value replaced; the rest as sent."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    pairs = [f"{name}={REDACTED}" if unquote_plus(name) in SECRET_QUERY_PARAMETERS else f"{name}{equals}{value}"
             for name, equals, value in (pair.partition("=") for pair in query.split("&"))]
    return f"{path}?{'&'.join(pairs)}"


@dataclass
class _Served:
    server: BaseWSGIServer
    thread: threading.Thread


@dataclass(frozen=True)
class LoadBalancerOptions:
    """The emulated Application Load Balancer (devidp/alb.py) in front of the app at `target`."""

    #: The target group: the app's origin, such as http://127.0.0.1:5000.
    target: str
    #: The ALB listener's port (0: a free one); it is reached as http://localhost:<port>.
    port: int = 0
    #: The listener rule's app client; default: the one whose callback URLs hold the ALB's /oauth2/idpresponse.
    client_id: str | None = None


@dataclass
class RunningServer:
    apps: EmulatorApps
    _served: tuple[_Served, ...] = field(repr=False)
    _stopped: bool = field(default=False, repr=False)
    #: The emulated load balancer, when one was asked for.
    load_balancer: LoadBalancer | None = None

    @property
    def issuer_base_url(self) -> str:
        """The cognito-idp origin: discovery and JWKS."""
        return self.apps.emulator.issuer_base_url

    @property
    def domain_url(self) -> str:
        """The pool domain's origin: hosted UI and /oauth2/* endpoints."""
        return self.apps.emulator.domain_url

    @property
    def port(self) -> int:
        """The issuer origin's port."""
        return self._served[0].server.port

    @property
    def domain_port(self) -> int:
        return self._served[1].server.port

    @property
    def issuer(self) -> str:
        return self.apps.emulator.issuer

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def alb_public_keys_url(self) -> str:
        """ALB_PUBLIC_KEYS_URL for an app behind the emulated load balancer."""
        return self.issuer_base_url + alb_keys.PUBLIC_KEYS_PATH

    def stop(self) -> None:
        """Stop serving and release both ports; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        for served in self._served:
            served.server.shutdown()
            served.server.server_close()
            served.thread.join(timeout=5)

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


def _listen(host: str, port: int) -> socket.socket:
    """Listen first, so that port 0 becomes a real port for the URLs and a
    busy port is a plain OSError (Werkzeug would print and sys.exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def _serve(app: Flask | LoadBalancer, host: str, listener: socket.socket, log_requests: bool, name: str) -> _Served:
    server = make_server(
        host,
        listener.getsockname()[1],
        app,
        threaded=True,
        request_handler=_RequestLogWithoutSecrets if log_requests else _QuietRequestHandler,
        fd=listener.fileno(),
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
    )
    thread.start()
    return _Served(server, thread)


def start_server(
    config: PoolConfig | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    domain_port: int = 0,
    issuer_base_url: str | None = None,
    domain_url: str | None = None,
    instance_path: str | os.PathLike[str] | None = None,
    log_requests: bool = False,
    load_balancer: LoadBalancerOptions | None = None,
    on_users_changed: Callable[[PoolConfig], None] | None = None,
) -> RunningServer:
    """Serve a new emulator: the issuer on ``port``, the pool domain on ``domain_port``, and with
    ``load_balancer`` an ALB in front of an app, on its own port (its keys on the issuer origin).

    Port 0 picks a free port. Each public origin defaults to the config's,
    else ``http://{host}:{actual port}``. Raises OSError if a port is taken,
    ConfigError if no app client is registered for the load balancer.
    ``on_users_changed``: as for ``create_apps``.
    """
    pool = config or load_config()
    listeners: list[socket.socket] = []
    try:
        listeners.append(_listen(host, port))
        listeners.append(_listen(host, domain_port))
        if load_balancer is not None:
            listeners.append(_listen(host, load_balancer.port))
        issuer_port, bound_domain_port = (s.getsockname()[1] for s in listeners[:2])
        apps = create_apps(
            pool,
            issuer_base_url=issuer_base_url
            or pool.issuer_base_url
            or f"http://{_url_host(host)}:{issuer_port}",
            domain_url=domain_url
            or pool.domain_url
            or f"http://{default_domain_host(pool, _url_host(host))}:{bound_domain_port}",
            instance_path=instance_path,
            on_users_changed=on_users_changed,
        )
        alb = _load_balancer(apps, pool, load_balancer, listeners[2]) if load_balancer else None
        served: list[_Served] = []
        try:
            for app, listener, name in zip((apps.issuer, apps.domain, alb), listeners,
                                           ("devidp-issuer", "devidp-domain", "devidp-alb")):
                served.append(_serve(app, host, listener, log_requests, name))
        except BaseException:
            for running in served:
                running.server.shutdown()
                running.server.server_close()
            raise
    finally:
        for listener in listeners:
            listener.close()  # each server holds its own duplicate of its socket
    return RunningServer(apps=apps, _served=tuple(served), load_balancer=alb)


def _load_balancer(apps: EmulatorApps, pool: PoolConfig, options: LoadBalancerOptions,
                   listener: socket.socket) -> LoadBalancer:
    """The ALB at http://localhost:<its port> (Cognito takes plain http callback URLs only for localhost)."""
    public_url = f"http://localhost:{listener.getsockname()[1]}"
    alb = LoadBalancer(apps.emulator, target=options.target, public_url=public_url,
                       client=client_for(pool.clients, public_url, options.client_id), arn=default_arn(pool.region))
    alb_keys.publish(apps.issuer, alb.key)
    return alb
