"""ID and access token rules (OIDC Core 3.1.3.7, RFC 9068) plus Cognito's own: `token_use` says what a token is for.

joserfc verifies the RS256 signature; Authlib's CodeIDToken checks iss, aud, azp, exp, iat,
nonce and at_hash. This module adds what neither knows: only RS256 is accepted whatever
the token header or discovery says, `sub` must be a non-empty string, and Cognito's
`token_use` must be "id" (required from Cognito, checked wherever the claim appears).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jws import extract_compact
from joserfc.jwt import JWTClaimsRegistry

from .errors import InsufficientScope, InvalidToken
from .provider import SIGNING_ALGORITHM, Provider
from .user import User

#: Seconds of clock difference tolerated between this host and the IdP for exp and iat.
CLOCK_SKEW = 60


def validate_id_token(
    provider: Provider, id_token: str, *, nonce: str | None, access_token: str | None
) -> dict[str, Any]:
    """The claims of a valid ID token issued to this client, else InvalidToken.

    `nonce` is the sign-in's; None for an ID token from a refresh, which carries none.
    """
    metadata = provider.metadata()
    claims = _verified_claims(provider, id_token)
    client_id = provider.settings.client_id
    id_claims = CodeIDToken(
        claims.claims,
        claims.header,
        options={
            "iss": {"essential": True, "value": metadata.issuer},
            "aud": {"essential": True, "value": client_id},
        },
        params={"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    try:
        id_claims.validate(now=int(provider.clock()), leeway=CLOCK_SKEW)
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidToken(f"ID token: {error}") from error
    if not isinstance(id_claims.get("sub"), str) or not id_claims["sub"]:
        raise InvalidToken("ID token: sub is missing or empty")
    _check_token_use(id_claims, "id", required=metadata.is_cognito, what="ID token")
    return dict(id_claims)


@dataclass(frozen=True)
class AccessToken:
    """A validated access token: its claims (read-only) and the user they name, built once per token."""

    claims: Mapping[str, Any]
    user: User


def validate_access_token(
    provider: Provider, token: str, *, allowed_client_ids: frozenset[str], required_scopes: frozenset[str]
) -> AccessToken:
    """The claims of a valid access token for one of our clients, checked locally (no IdP call).

    Cognito access tokens carry `token_use: "access"` and `client_id`, and no `aud`. From
    another provider a JWT access token must say `token_use: "access"` or have the RFC 9068
    type `at+jwt`, so that an ID token is never taken for an access token.
    """
    validated = provider.validated_access_tokens.get(token, provider.clock()) or _validate_access_token(provider, token)
    claims = validated.claims
    if claims.get("client_id") not in allowed_client_ids:
        raise InvalidToken("access token: issued to a client this API does not accept")
    granted = set(claims["scope"].split()) if isinstance(claims.get("scope"), str) else set()
    if not required_scopes <= granted:
        raise InsufficientScope(f"access token lacks scope {' '.join(sorted(required_scopes - granted))}")
    return validated


def _validate_access_token(provider: Provider, token: str) -> AccessToken:
    """Signature, issuer, times and token_use; remembered until the token expires."""
    metadata = provider.metadata()
    verified = _verified_claims(provider, token)
    claims = verified.claims
    registry = JWTClaimsRegistry(
        now=int(provider.clock()),
        leeway=CLOCK_SKEW,
        iss={"essential": True, "value": metadata.issuer},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidToken(f"access token: {error}") from error
    rfc9068 = not metadata.is_cognito and "token_use" not in claims and verified.header.get("typ") == "at+jwt"
    if not rfc9068:
        _check_token_use(claims, "access", required=True, what="access token")
    validated = AccessToken(MappingProxyType(dict(claims)), User.from_claims(claims))
    provider.validated_access_tokens.put(token, validated, valid_until=claims["exp"] + CLOCK_SKEW)
    return validated


def unverified_issuer(token: str) -> str | None:
    """The `iss` a JWT claims, before any check: only to pick which provider's keys verify it."""
    try:
        claims = json.loads(extract_compact(token.encode()).payload)
    except (JoseError, ValueError, TypeError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def _verified_claims(provider: Provider, token: str) -> jwt.Token:
    """Decode and verify the signature, with the key named by the header's kid."""
    try:
        header = extract_compact(token.encode()).protected
    except (JoseError, ValueError, TypeError, AttributeError) as error:
        raise InvalidToken("token is not a compact JWS") from error
    if header.get("alg") != SIGNING_ALGORITHM:
        raise InvalidToken(f"token is signed with alg {header.get('alg')!r}; only {SIGNING_ALGORITHM} is accepted")
    kid = header.get("kid")
    keys = provider.signing_keys(kid if isinstance(kid, str) else None)
    try:
        return jwt.decode(token, keys, algorithms=[SIGNING_ALGORITHM])
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidToken(f"token signature: {error}") from error


def _check_token_use(claims: dict[str, Any], expected: str, *, required: bool, what: str) -> None:
    token_use = claims.get("token_use")
    if token_use is None and not required:
        return
    if token_use != expected:
        raise InvalidToken(f"{what}: token_use is {token_use!r}, expected {expected!r}")
