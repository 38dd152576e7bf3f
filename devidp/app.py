"""The application factory: one emulated pool served as two Flask apps, on two origins.

Cognito answers on two hosts: the issuer and its JWKS on
``cognito-idp.<region>.amazonaws.com/<pool id>``, the hosted UI and the OAuth
endpoints on the pool's domain (Cognito developer guide: "User pool
endpoints and managed login reference", "The token endpoint"). The two apps
share one state, so a code issued on the domain is signed with the keys the
issuer publishes; a request on the wrong origin is a 404, as on AWS.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response

from . import (
    admin_api, api, discovery, federation, hosted_ui, localization, passkeys, sign_in_steps, user_pools_api,
)
from .config import PoolConfig, load_config, normalize_origin
from .context import EXTENSION_KEY, Emulator
from .directory import UserDirectory
from .errors import register_error_handlers
from .keys import load_or_create_keys
from .oauth import CognitoAuthorizationServer, UserInfoProtector
from .passkey_store import PasskeyStore
from .store import MemoryStore
from .tokens import TokenFactory
from .upstream import UpstreamProvider

DEFAULT_HOST = "127.0.0.1"
#: The issuer origin's port (Cognito's cognito-idp host).
DEFAULT_PORT = 9229
#: The domain origin's port (hosted UI and OAuth endpoints).
DEFAULT_DOMAIN_PORT = 9230
#: The hosted-UI cookie; the relying party on the same host (cookies ignore
#: ports) uses names starting with cognito_ or __Host-, so they never clash.
SESSION_COOKIE_NAME = "devidp_session"
#: Scripts and fetches from the emulator's own origin only: the passkey pages' static/passkeys.js.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class EmulatorApps:
    """The two apps of one emulated pool."""

    #: The cognito-idp origin: discovery document and JWKS under ``/{poolId}``.
    issuer: Flask
    #: The pool's domain: hosted UI (/login, /logout, /error) and /oauth2/*.
    domain: Flask

    @property
    def emulator(self) -> Emulator:
        return self.domain.extensions[EXTENSION_KEY]


def create_apps(
    config: PoolConfig | None = None,
    *,
    issuer_base_url: str | None = None,
    domain_url: str | None = None,
    instance_path: str | os.PathLike[str] | None = None,
    clock: Callable[[], float] = time.time,
    on_users_changed: Callable[[PoolConfig], None] | None = None,
) -> EmulatorApps:
    """Build both apps for ``config`` (default: ``load_config()``).

    The public origins default to the config's, then to
    http://127.0.0.1:9229 (issuer) and http://127.0.0.1:9230 (domain); they
    are never taken from a request. Signing keys live in
    ``{instance_path}/devidp/``; the instance path defaults to Flask's.
    ``clock`` dates tokens and decides expiry (tests pass one they move).
    ``on_users_changed(pool)`` gets the pool after each change of its users (the admin
    API, a first sign-in through an identity provider), for instance to save it.
    """
    pool = config or load_config()
    issuer_origin = normalize_origin(
        issuer_base_url or pool.issuer_base_url or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}",
        "issuer_base_url",
    )
    domain_origin = normalize_origin(
        domain_url or pool.domain_url or f"http://{default_domain_host(pool)}:{DEFAULT_DOMAIN_PORT}",
        "domain_url",
    )
    folder = os.path.abspath(instance_path) if instance_path else None
    issuer = Flask("devidp", instance_path=folder, static_folder=None)
    domain = Flask("devidp", instance_path=folder)
    domain.config.update(
        # Sessions live in this process's memory, so a per-process key is enough.
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME=SESSION_COOKIE_NAME,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=domain_origin.startswith("https://"),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    keys = load_or_create_keys(Path(domain.instance_path) / "devidp")
    store = MemoryStore(clock)
    passkey_store = PasskeyStore(clock)
    longest_access_token = max(c.access_token_validity_seconds for c in pool.clients)
    directory = UserDirectory(
        pool,
        sign_out=lambda username: store.sign_out_user(username, longest_access_token),
        revoke_tokens=lambda username: store.revoke_user_tokens(username, longest_access_token),
        changed=on_users_changed,
        forget=passkey_store.forget_user,
    )
    tokens = TokenFactory(issuer=f"{issuer_origin}/{pool.pool_id}", keys=keys, clock=clock)
    emulator = Emulator(
        directory=directory,
        issuer_base_url=issuer_origin,
        domain_url=domain_origin,
        keys=keys,
        store=store,
        tokens=tokens,
        server=CognitoAuthorizationServer(domain, directory, store, tokens),
        userinfo=UserInfoProtector(directory, store, tokens),
        upstreams={
            provider.name: UpstreamProvider(
                provider, f"{domain_origin}{federation.IDP_RESPONSE_PATH}", clock
            )
            for provider in pool.identity_providers
        },
        passkeys=passkey_store,
        relying_party_id=pool.relying_party_id(domain_origin) if pool.passkeys_enabled else None,
    )
    for app, blueprints in (
        (issuer, (discovery.bp, admin_api.bp, user_pools_api.bp)),
        (domain, (hosted_ui.bp, sign_in_steps.bp, federation.bp, passkeys.bp, api.bp)),
    ):
        app.extensions[EXTENSION_KEY] = emulator
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
        app.after_request(_security_headers)
    domain.after_request(localization.remember_language)
    register_error_handlers(issuer, json_only=True)
    register_error_handlers(domain)
    return EmulatorApps(issuer=issuer, domain=domain)


def default_domain_host(pool: PoolConfig, host: str = DEFAULT_HOST) -> str:
    """The pool domain's host when no domain_url is given: ``host``, but a pool with passkeys on
    127.0.0.1 answers as localhost, since WebAuthn takes no IP address as a relying party id."""
    return "localhost" if pool.passkeys_enabled and host == DEFAULT_HOST else host


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # same-origin: Flask-WTF's CSRF check wants a Referer on https sign-ins,
    # but codes in our URLs must not leak to other sites.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
