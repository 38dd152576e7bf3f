"""Refreshing a session's tokens with its refresh token, and checking what comes back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import InvalidToken
from .provider import Provider
from .token_endpoint import TokenSet, refresh_grant
from .tokens import validate_id_token
from .user import User


@dataclass(frozen=True)
class Refreshed:
    tokens: TokenSet
    user: User


def refresh_tokens(provider: Provider, tokens: TokenSet, user: User) -> Refreshed:
    """New tokens for the same user. Cognito returns no new refresh token: the current one is kept.

    A new ID token must be valid, name the same subject and keep the sign-in's auth_time (OIDC
    Core 12.2: a refresh is no new authentication, and fresh_login_required counts on that); its
    claims (groups, for instance) replace the old ones.
    """
    answer = refresh_grant(provider, tokens.refresh_token or "")
    id_token, access_token = answer.get("id_token"), answer.get("access_token")
    if isinstance(id_token, str):
        claims = validate_id_token(
            provider, id_token, nonce=None, access_token=access_token if isinstance(access_token, str) else None
        )
        if claims["sub"] != user.sub:
            raise InvalidToken("refreshed ID token names another subject")
        if "auth_time" in claims and claims["auth_time"] != user.claims.get("auth_time"):
            raise InvalidToken("refreshed ID token has another auth_time than the sign-in's")
        # userinfo is not asked again: what it added stays
        user = User.from_claims(claims, user.userinfo, provider=provider.alias)
    fresh = TokenSet.from_response(answer, provider.clock(), fallback_expires_at=user.claims.get("exp"))
    return Refreshed(
        replace(fresh, refresh_token=fresh.refresh_token or tokens.refresh_token, id_token=fresh.id_token or tokens.id_token),
        user,
    )
