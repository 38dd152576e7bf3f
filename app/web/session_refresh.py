"""Before each request of a signed-in session: keep its tokens fresh (refreshing under a lock)."""

from __future__ import annotations

from flask import Flask, current_app, request

from app.oidc.errors import SessionEnded
from app.user_session import current_user_session

#: Endpoints that never need the user's tokens.
_SKIP = frozenset({"static", "health.healthz", "health.readyz"})


def keep_session_fresh() -> None:
    if request.endpoint in _SKIP or "Authorization" in request.headers:
        return
    user_session = current_user_session()
    if not user_session.signed_in:
        return
    provider = current_app.extensions["oidc_providers"].get(user_session.provider)
    if provider is None:
        user_session.sign_out()
        raise SessionEnded(f"provider {user_session.provider!r} is no longer configured")
    user_session.keep_fresh(provider, current_app.config["SETTINGS"].token_refresh_margin)


def init_app(app: Flask) -> None:
    app.before_request(keep_session_fresh)
