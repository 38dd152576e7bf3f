"""Cognito's token and userInfo shapes (hand-written: Authlib has no Cognito profile).

Authlib decides *when* tokens are issued; this module decides what they look
like: JWT access tokens with ``token_use``/``origin_jti``/``version`` and no
``aud``, ID-token claims with ``cognito:username``/``cognito:groups``, and
userInfo answers whose booleans are the strings "true"/"false".
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list
from joserfc import jwt
from joserfc.errors import JoseError

from .config import AppClient, User
from .keys import SigningKeys
from .models import Principal

ALGORITHM = "RS256"
_SCOPED_ATTRIBUTES = {
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
}


def scoped_attributes(user: User, scope: str) -> dict[str, Any]:
    """The user attributes a token with ``scope`` may see, as Cognito decides.

    ``openid`` alone or with ``profile`` gives every attribute; ``email`` and
    ``phone`` without ``profile`` narrow it to their own attributes.
    """
    everything: dict[str, Any] = {}
    if user.email is not None:
        everything["email"] = user.email
        everything["email_verified"] = user.email_verified
    everything.update(user.attributes)
    scopes = set(scope_to_list(scope) or ())
    if "profile" in scopes or not scopes & _SCOPED_ATTRIBUTES.keys():
        return everything
    wanted = {name for s in scopes & _SCOPED_ATTRIBUTES.keys() for name in _SCOPED_ATTRIBUTES[s]}
    return {k: v for k, v in everything.items() if k in wanted}


def userinfo_claims(user: User, scope: str) -> dict[str, Any]:
    """The body of ``/oauth2/userInfo``: Cognito sends booleans as strings."""
    claims: dict[str, Any] = {"sub": user.sub}
    for name, value in scoped_attributes(user, scope).items():
        claims[name] = ("true" if value else "false") if isinstance(value, bool) else value
    claims["username"] = user.username
    return claims


class TokenFactory:
    """Mints and checks the pool's JWTs for one issuer."""

    def __init__(self, issuer: str, keys: SigningKeys):
        self.issuer = issuer
        self.keys = keys

    def access_token(self, principal: Principal, client: AppClient, scope: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": principal.user.sub,
            "iss": self.issuer,
            "client_id": client.client_id,
            "origin_jti": principal.origin_jti,
            "event_id": principal.event_id,
            "token_use": "access",
            "scope": scope,
            "auth_time": principal.auth_time,
            "iat": now,
            "exp": now + client.access_token_validity_seconds,
            "jti": str(uuid.uuid4()),
            "username": principal.user.username,
            "version": 2,
        }
        if principal.user.groups:
            claims["cognito:groups"] = list(principal.user.groups)
        header = {"alg": ALGORITHM, "kid": self.keys.access_key.kid}
        return jwt.encode(header, claims, self.keys.access_key, algorithms=[ALGORITHM])

    def id_token_header(self) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.keys.id_key.kid}

    def id_token_registered_claims(self, client: AppClient) -> dict[str, Any]:
        """iss/aud/iat/exp; Cognito's ``aud`` is the client id as a string."""
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + client.id_token_validity_seconds,
        }

    def id_token_user_claims(self, principal: Principal, scope: str) -> dict[str, Any]:
        """The Cognito-specific ID-token claims (Authlib adds nonce and at_hash)."""
        user = principal.user
        claims: dict[str, Any] = {"sub": user.sub}
        if user.groups:
            claims["cognito:groups"] = list(user.groups)
        claims.update(scoped_attributes(user, scope))
        claims.update(
            {
                "cognito:username": user.username,
                "origin_jti": principal.origin_jti,
                "event_id": principal.event_id,
                "token_use": "id",
                "auth_time": principal.auth_time,
                "jti": str(uuid.uuid4()),
            }
        )
        return claims

    def verify_access_token(self, token: str) -> dict[str, Any] | None:
        """The claims of a well-formed access token we signed, else None.

        Expiry and revocation are left to the caller, which reports them.
        """
        try:
            claims = jwt.decode(token, self.keys.access_key, algorithms=[ALGORITHM]).claims
        except (JoseError, ValueError, TypeError):
            return None
        expected_types = {
            "exp": int,
            "scope": str,
            "username": str,
            "origin_jti": str,
            "client_id": str,
        }
        if claims.get("token_use") != "access" or claims.get("iss") != self.issuer:
            return None
        if not all(type(claims.get(k)) is t for k, t in expected_types.items()):
            return None
        return claims
