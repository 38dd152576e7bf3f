"""Cognito's token and userInfo shapes (hand-written: Authlib has no Cognito profile).

Authlib decides *when* tokens are issued; this module decides what they look
like: JWT access tokens with ``token_use``/``origin_jti``/``version`` and no
``aud``, ID-token claims with ``cognito:username``/``cognito:groups``, and
userInfo answers whose booleans are the strings "true"/"false".
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list
from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from .config import AppClient, User
from .keys import SigningKeys
from .models import Principal, TokenShape

ALGORITHM = "RS256"
#: Cognito developer guide, "Refresh tokens": a refresh token is an encrypted JWT
#: (a JWE). Its five parts here are a real JWE, encrypted to a key that only this
#: process holds and never reads back: the token is an opaque handle to the
#: store, of the shape and about the size (1.8 kB) of Cognito's.
_REFRESH_TOKEN_HEADER = {"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}
#: Random filler that makes the JWE as long as Cognito's (~1,780 characters).
_REFRESH_TOKEN_FILLER_BYTES = 1000
#: userInfo answers per scope (Cognito developer guide: "The user attributes
#: endpoint"): "openid profile" gives these and custom attributes, "openid email"
#: and "openid phone" add their own attributes to the basic profile (sub, username).
_PROFILE_ATTRIBUTES = frozenset(
    {
        "name",
        "family_name",
        "given_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "updated_at",
    }
)
_SCOPED_ATTRIBUTES = {
    "email": frozenset({"email", "email_verified"}),
    "phone": frozenset({"phone_number", "phone_number_verified"}),
}


def readable_attributes(user: User, client: AppClient) -> dict[str, Any]:
    """The user's attributes that ``client`` may read (its ReadAttributes)."""
    everything: dict[str, Any] = {}
    if user.email is not None:
        everything["email"] = user.email
        everything["email_verified"] = user.email_verified
    everything.update(user.attributes)
    return {name: value for name, value in everything.items() if client.readable(name)}


def identities_claim(user: User) -> list[dict[str, Any]]:
    """The ``identities`` claim of a user of identity providers.

    Cognito developer guide, "Understanding the identity (ID) token": one object per
    linked account, ``primary`` and ``dateCreated`` (milliseconds) as strings. ``issuer`` is
    null, as ID tokens of real pools show it for OIDC and social providers.
    """
    return [
        {
            "userId": identity.user_id,
            "providerName": identity.provider_name,
            "providerType": identity.provider_type,
            "issuer": None,
            "primary": "true",
            "dateCreated": str(identity.date_created),
        }
        for identity in user.identities
    ]


def _in_scope(name: str, scopes: set[str]) -> bool:
    if "profile" in scopes and (name in _PROFILE_ATTRIBUTES or name.startswith("custom:")):
        return True
    return any(name in _SCOPED_ATTRIBUTES[s] for s in scopes & _SCOPED_ATTRIBUTES.keys())


def userinfo_claims(user: User, client: AppClient, scope: str) -> dict[str, Any]:
    """The body of ``/oauth2/userInfo`` for an access token with ``scope``.

    Cognito developer guide, "The user attributes endpoint": ``openid`` alone
    returns every attribute the client can read; ``profile``, ``email`` and
    ``phone`` each return their own attributes only (``profile`` returns
    neither email nor phone). Booleans are the strings "true"/"false".
    """
    attributes = readable_attributes(user, client)
    scopes = set(scope_to_list(scope) or ())
    if scopes & {"profile", *_SCOPED_ATTRIBUTES}:
        attributes = {k: v for k, v in attributes.items() if _in_scope(k, scopes)}
    claims: dict[str, Any] = {"sub": user.sub}
    for name, value in attributes.items():
        claims[name] = ("true" if value else "false") if isinstance(value, bool) else value
    claims["username"] = user.username
    return claims


def _shape(principal: Principal) -> TokenShape:
    """The issuance's shape; a principal not shaped by pre_token.py gets its own groups."""
    return principal.shape or TokenShape(groups=principal.user.groups)


def _reshaped(claims: dict[str, Any], added: Any, suppressed: frozenset[str]) -> dict[str, Any]:
    """``claims`` with the hook's claims added or overridden, then its suppressed ones removed."""
    claims.update(added)
    return {name: value for name, value in claims.items() if name not in suppressed}


class TokenFactory:
    """Mints and checks the pool's tokens for one issuer; ``clock`` gives iat and exp."""

    def __init__(self, issuer: str, keys: SigningKeys, clock: Callable[[], float] = time.time):
        self.issuer = issuer
        self.keys = keys
        self.clock = clock
        # Only this process sees refresh tokens, so a per-process key is enough.
        self._refresh_token_key = RSAKey.generate_key(2048)

    def refresh_token(self) -> str:
        """A new refresh token: opaque, JWE-shaped, as long as Cognito's."""
        filler = secrets.token_bytes(_REFRESH_TOKEN_FILLER_BYTES)
        return jwe.encrypt_compact(
            dict(_REFRESH_TOKEN_HEADER), filler, self._refresh_token_key
        )

    def client_access_token(self, client: AppClient, scope: str) -> str:
        """An access token for the client itself (client_credentials): no user, so no
        username, groups or origin_jti, and ``sub`` is the client ID (Cognito developer
        guide: "Understanding the access token"; "Scopes, M2M, and APIs with resource servers")."""
        now = int(self.clock())
        claims: dict[str, Any] = {
            "sub": client.client_id,
            "token_use": "access",
            "scope": scope,
            "auth_time": now,
            "iss": self.issuer,
            "exp": now + client.access_token_validity_seconds,
            "iat": now,
            "version": 2,
            "jti": str(uuid.uuid4()),
            "client_id": client.client_id,
        }
        return self._sign_access_token(claims)

    def _sign_access_token(self, claims: dict[str, Any]) -> str:
        header = {"alg": ALGORITHM, "kid": self.keys.access_key.kid}
        return jwt.encode(header, claims, self.keys.access_key, algorithms=[ALGORITHM])

    def access_token(self, principal: Principal, client: AppClient, scope: str) -> str:
        """A user's access token; ``principal.shape`` gives its groups and the pre token
        generation hook's claims and scopes (Cognito developer guide: "Pre token generation
        Lambda trigger")."""
        shape = _shape(principal)
        now = int(self.clock())
        claims: dict[str, Any] = {
            "sub": principal.user.sub,
            "iss": self.issuer,
            "client_id": client.client_id,
            "origin_jti": principal.origin_jti,
            "event_id": principal.event_id,
            "token_use": "access",
            "scope": shape.access_scope(scope),
            "auth_time": principal.auth_time,
            "iat": now,
            "exp": now + client.access_token_validity_seconds,
            "jti": str(uuid.uuid4()),
            "username": principal.user.username,
            "version": 2,
        }
        if shape.groups:
            claims["cognito:groups"] = list(shape.groups)
        return self._sign_access_token(_reshaped(claims, shape.access_claims, shape.access_suppressed))

    def id_token_header(self) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.keys.id_key.kid}

    def id_token_registered_claims(self, client: AppClient) -> dict[str, Any]:
        """iss/aud/iat/exp; Cognito's ``aud`` is the client id as a string."""
        now = int(self.clock())
        return {
            "iss": self.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + client.id_token_validity_seconds,
        }

    def id_token_user_claims(self, principal: Principal) -> dict[str, Any]:
        """The Cognito-specific ID-token claims (Authlib adds nonce and at_hash).

        Every attribute the client may read, whatever the email/phone/profile
        scopes (Cognito developer guide: "Understanding the identity (ID) token";
        scopes narrow only userInfo); the groups by precedence with their IAM roles
        ("Adding groups to a user pool"), and the pre token generation hook's claims.
        """
        user = principal.user
        shape = _shape(principal)
        claims: dict[str, Any] = {"sub": user.sub}
        if shape.groups:
            claims["cognito:groups"] = list(shape.groups)
        if shape.roles:
            claims["cognito:roles"] = list(shape.roles)
        if shape.preferred_role:
            claims["cognito:preferred_role"] = shape.preferred_role
        claims.update(readable_attributes(user, principal.client))
        if user.identities:
            claims["identities"] = identities_claim(user)
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
        return _reshaped(claims, shape.id_claims, shape.id_suppressed)

    def id_token(self, principal: Principal) -> str:
        """An ID token outside the OAuth endpoints (the user-pools API's AuthenticationResult):
        no nonce or at_hash, which only an authorization request and a token response give."""
        claims = {
            **self.id_token_registered_claims(principal.client),
            **self.id_token_user_claims(principal),
        }
        return jwt.encode(self.id_token_header(), claims, self.keys.id_key, algorithms=[ALGORITHM])

    def is_pool_jwt(self, token: str) -> bool:
        """Whether ``token`` is an ID or access token that this pool signed."""
        for key in (self.keys.id_key, self.keys.access_key):
            try:
                jwt.decode(token, key, algorithms=[ALGORITHM])
            except (JoseError, ValueError, TypeError):
                continue
            return True
        return False

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
