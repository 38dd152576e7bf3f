"""The Flask application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response

from . import api, discovery, hosted_ui
from .config import PoolConfig, load_config, normalize_base_url
from .context import EXTENSION_KEY, Emulator
from .errors import register_error_handlers
from .keys import load_or_create_keys
from .oauth import CognitoAuthorizationServer, UserInfoProtector
from .store import MemoryStore
from .tokens import TokenFactory

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9229
#: The hosted-UI cookie; the relying party on the same host (cookies ignore
#: ports) uses names starting with cognito_ or __Host-, so they never clash.
SESSION_COOKIE_NAME = "devidp_session"
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create_app(
    config: PoolConfig | None = None,
    *,
    base_url: str | None = None,
    instance_path: str | os.PathLike[str] | None = None,
) -> Flask:
    """Build the emulator for ``config`` (default: ``load_config()``).

    ``base_url`` is the public origin that the issuer and every endpoint URL
    derive from (never the request's Host header); it defaults to the
    config's ``base_url``, then http://127.0.0.1:9229. Signing keys live in
    ``{instance_path}/devidp/``; the instance path defaults to Flask's.
    """
    pool = config or load_config()
    public_url = normalize_base_url(
        base_url or pool.base_url or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
    )
    app = Flask(
        "devidp",
        instance_path=os.path.abspath(instance_path) if instance_path else None,
    )
    app.config.update(
        # Sessions live in this process's memory, so a per-process key is enough.
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=public_url.startswith("https://"),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    keys = load_or_create_keys(Path(app.instance_path) / "devidp")
    store = MemoryStore()
    tokens = TokenFactory(issuer=f"{public_url}/{pool.pool_id}", keys=keys)
    app.extensions[EXTENSION_KEY] = Emulator(
        pool=pool,
        base_url=public_url,
        keys=keys,
        store=store,
        tokens=tokens,
        server=CognitoAuthorizationServer(app, pool, store, tokens),
        userinfo=UserInfoProtector(pool, store, tokens),
    )
    for blueprint in (discovery.bp, hosted_ui.bp, api.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # same-origin: Flask-WTF's CSRF check wants a Referer on https sign-ins,
    # but codes in our URLs must not leak to other sites.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
