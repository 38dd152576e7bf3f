"""JSON API for scripts and front-ends: a session cookie or an `Authorization: Bearer` access token.

/api/me answers people and machine clients (client_credentials tokens) alike, and says which; behind a
load balancer that signs people in (COGNITO_SIGNIN_MODE=alb), the ALB's headers authenticate instead of the cookie.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from flask_cognito_signin.alb import LoadBalancerIdentity
from flask_cognito_signin.authz import BearerIdentity, current_user, login_required
from flask_cognito_signin.oidc.user import Client, User
from flask_cognito_signin.user_session import current_user_session

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/me")
@login_required(clients=True)
def me() -> dict[str, Any]:
    user = current_user._get_current_object()
    bearer = g.get("bearer")
    load_balancer = g.get("load_balancer")
    return {  # Flask answers a dict as JSON
        "kind": "client" if user.is_client else "user",  # a machine client (client_credentials) has no person
        "provider": user.provider,  # the alias of the provider (a tenant's pool) that vouches for the caller
        "sub": user.sub,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "groups": list(user.groups),
        "claims": dict(user.claims),
        "userinfo": dict(user.userinfo),  # from the userinfo endpoint, not signed by the provider
        "authenticated_by": "bearer" if bearer else "load_balancer" if load_balancer else "session",
        "expires_at": _expiries(user, bearer or load_balancer),
    }


def _expiries(user: User | Client, credential: BearerIdentity | LoadBalancerIdentity | None) -> dict[str, int | None]:
    if credential:  # a token, not this app's session: only its expiry is known here
        return {"session": None, "access_token": credential.expires_at, "id_token": None}
    user_session = current_user_session()
    return {
        "session": _whole(user_session.idle_expires_at),
        "access_token": _whole(user_session.access_token_expires_at),
        "id_token": user.claims.get("exp"),
    }


def _whole(seconds: float | None) -> int | None:
    return int(seconds) if seconds is not None else None
