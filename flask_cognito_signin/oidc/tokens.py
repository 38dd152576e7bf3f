"""ID and access token rules (OIDC Core 3.1.3.7, RFC 9068) plus Cognito's own: `token_use` says what a token is for.

joserfc verifies the RS256 signature; Authlib's CodeIDToken checks iss, aud, azp, exp, iat,
nonce and at_hash. This module adds what neither knows: only RS256 is accepted whatever
the token header or discovery says, `sub` must be a non-empty string, an ID token names no
audience but this client, an access token's `aud` must name this API, and Cognito's
`token_use` must be "id" (required from Cognito, checked wherever the claim appears).

Every refusal is an InvalidToken whose `fault` is a fixed phrase (safe for a response
header) and whose `detail` (for the log) says more, without the token.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import DecodeError, ExpiredTokenError, InvalidClaimError, InvalidPayloadError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from joserfc.jwt import JWTClaimsRegistry

from .errors import InsufficientScope, InvalidToken, StaleAuthentication, TokenFault
from .provider import SIGNING_ALGORITHM, Provider
from .user import Client, User, caller_of

#: Seconds of clock difference tolerated between this host and the IdP for exp and iat.
CLOCK_SKEW = 60


def validate_id_token(
    provider: Provider, id_token: str, *, nonce: str | None, access_token: str | None, max_age: int | None = None
) -> dict[str, Any]:
    """The claims of a valid ID token issued to this client, else InvalidToken.

    `nonce` is the sign-in's; None for an ID token from a refresh, which carries none.
    `max_age` is the one a step-up sign-in asked for: the token must then show an
    authentication that recent (StaleAuthentication otherwise).
    ID tokens reach this app only in the token endpoint's answers (code exchange, refresh),
    so a key id the cached JWKS lacks may always fetch it again: that is key rotation.
    """
    metadata = provider.metadata()
    claims, _ = _verified_claims(provider, id_token, from_token_endpoint=True)
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
    validated_at = int(provider.clock())
    try:
        id_claims.validate(now=validated_at, leeway=CLOCK_SKEW)
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidToken(f"ID token: {error}", fault=_claims_fault(error),
                           fix=_id_token_fix(error, claims.claims, validated_at, provider)) from error
    # OIDC Core 3.1.3.7 (3): refuse audiences not trusted besides ours; Authlib accepts them when azp is ours.
    audiences = id_claims["aud"] if isinstance(id_claims["aud"], list) else [id_claims["aud"]]
    if set(audiences) != {client_id}:
        raise InvalidToken(f"ID token: aud names audiences besides this client ({len(audiences)} in all)",
                           fault=TokenFault.AUDIENCE, fix="the provider must issue ID tokens to this app client only")
    if not isinstance(id_claims.get("sub"), str) or not id_claims["sub"]:
        raise InvalidToken("ID token: sub is missing or empty", fix=_PROVIDER_FAULT)
    _check_token_use(id_claims, "id", required=metadata.is_cognito, what="ID token")
    now = provider.clock()
    if max_age is not None and not authenticated_within(id_claims, max_age, now):
        raise StaleAuthentication(f"ID token: a sign-in at most {max_age} s old was asked; {_age_of(id_claims, now)}",
                                  fix="the provider must sign the user in again when asked (prompt=login, max_age); "
                                      "an auth_time in the future means this host's clock is behind the provider's")
    return dict(id_claims)


def _authentication_age(claims: Mapping[str, Any], now: float) -> float | None:
    """Seconds since the user last authenticated at the provider (the `auth_time` claim, OIDC Core 2), by the
    clock `now` comes from; None when the claims have no usable auth_time. Cognito's ID and access tokens
    carry it, and keep the sign-in's through every refresh."""
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, bool) or not isinstance(auth_time, (int, float)) or not math.isfinite(auth_time):
        return None
    return now - auth_time


def authenticated_within(claims: Mapping[str, Any], max_age: int, now: float) -> bool:
    """Whether the claims show an authentication at most `max_age` seconds old: the one rule of the step-up's
    callback (OIDC Core 3.1.3.7 (13): the client checks auth_time itself, as the browser carried the request
    and a provider may ignore max_age, Cognito's guide documents none) and of fresh_login_required. Being
    the same rule, what the callback accepts opens the view, and a provider that answers a step-up from
    its old session gets a refusal, never a loop of redirects. Only an auth_time ahead of this clock is
    given CLOCK_SKEW; an older one, none: max_age means what it says."""
    age = _authentication_age(claims, now)
    return age is not None and -CLOCK_SKEW <= age <= max_age


def _age_of(claims: Mapping[str, Any], now: float) -> str:
    """How old the claims' authentication is, for the log."""
    age = _authentication_age(claims, now)
    if age is None:
        return "auth_time is missing or not a number"
    return f"auth_time is {int(age)} s old" if age >= 0 else f"auth_time is {int(-age)} s in the future"


@dataclass(frozen=True)
class AccessToken:
    """A validated access token: its claims (read-only), who it speaks for and its scopes, built once per token."""

    claims: Mapping[str, Any]
    user: User | Client
    #: The `scope` claim's words (RFC 9068 2.2.3; Cognito's custom scopes read `resource-server/scope`).
    scopes: frozenset[str]


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """The scopes a token's `scope` claim grants (space-separated, RFC 6749 3.3); none without one."""
    scope = claims.get("scope")
    return frozenset(scope.split()) if isinstance(scope, str) else frozenset()


def validate_access_token(
    provider: Provider,
    token: str,
    *,
    allowed_client_ids: frozenset[str],
    required_scopes: frozenset[str],
    audiences: frozenset[str],
) -> AccessToken:
    """The claims of a valid access token for one of our clients, checked locally (no IdP call).

    Cognito access tokens carry `token_use: "access"` and `client_id`, and no `aud`. From
    another provider a JWT access token must say `token_use: "access"` or have the RFC 9068
    type `at+jwt`, so that an ID token is never taken for an access token. `audiences` are
    the names this API answers to (API_AUDIENCE): an RFC 9068 token must carry one in `aud`
    (RFC 9068 section 4), and any token that has an `aud` must name one (RFC 7519 4.1.3).
    """
    validated = provider.validated_access_tokens.get(token, provider.clock()) or _validate_access_token(provider, token)
    claims = validated.claims
    _check_audience(claims, audiences)
    if claims.get("client_id") not in allowed_client_ids:
        raise InvalidToken("access token: issued to a client this API does not accept", fault=TokenFault.CLIENT)
    if not required_scopes <= validated.scopes:
        raise InsufficientScope(f"access token lacks scope {' '.join(sorted(required_scopes - validated.scopes))}",
                                scopes=required_scopes)
    return validated


def _validate_access_token(provider: Provider, token: str) -> AccessToken:
    """Signature, issuer, times and token_use; remembered until the token expires or its key set does."""
    metadata = provider.metadata()
    verified, keys = _verified_claims(provider, token, from_token_endpoint=False)
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
        raise InvalidToken(f"access token: {error}", fault=_claims_fault(error)) from error
    rfc9068 = not metadata.is_cognito and "token_use" not in claims and verified.header.get("typ") == "at+jwt"
    if not rfc9068:
        _check_token_use(claims, "access", required=True, what="access token")
    validated = AccessToken(MappingProxyType(dict(claims)), caller_of(claims, provider.alias), scopes_of(claims))
    valid_until = min(claims["exp"] + CLOCK_SKEW, provider.keys_trusted_until(keys))
    provider.validated_access_tokens.put(token, validated, valid_until=valid_until)
    return validated


def _check_audience(claims: Mapping[str, Any], audiences: frozenset[str]) -> None:
    """An `aud` must name this API; only tokens with `token_use` (Cognito's, which carry no aud) may lack one.

    Tokens without token_use got here as RFC 9068 `at+jwt`, for which `aud` is required.
    """
    aud = claims.get("aud")
    if aud is None and "token_use" in claims:
        return
    named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if audiences.isdisjoint(name for name in named if isinstance(name, str)):
        why = "API_AUDIENCE is not set" if not audiences else "it names none of API_AUDIENCE"
        raise InvalidToken(f"access token: aud is {'missing' if aud is None else 'not for this API'} ({why})",
                           fault=TokenFault.AUDIENCE)


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims a JWT's payload holds, before any check; {} for anything else (an opaque token)."""
    try:
        claims = json.loads(extract_compact(token.encode()).payload)
    except (JoseError, ValueError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def unverified_issuer(token: str) -> str | None:
    """The `iss` a JWT claims, before any check: only to pick which provider's keys verify it."""
    issuer = unverified_claims(token).get("iss")
    return issuer if isinstance(issuer, str) else None


def _verified_claims(provider: Provider, token: str, *, from_token_endpoint: bool) -> tuple[jwt.Token, KeySet]:
    """Decode and verify the signature, with the key named by the header's kid; also the key set used."""
    try:
        header = extract_compact(token.encode()).protected
    except (JoseError, ValueError, TypeError, AttributeError) as error:
        raise InvalidToken("token is not a compact JWS", fault=TokenFault.MALFORMED) from error
    if header.get("alg") != SIGNING_ALGORITHM:
        raise InvalidToken(f"token is signed with alg {_shown(header.get('alg'))}; only {SIGNING_ALGORITHM} is accepted",
                           fault=TokenFault.ALGORITHM)
    kid = header.get("kid")
    keys = provider.signing_keys(kid if isinstance(kid, str) else None, from_token_endpoint=from_token_endpoint)
    try:
        return jwt.decode(token, keys, algorithms=[SIGNING_ALGORITHM]), keys
    except (DecodeError, InvalidPayloadError) as error:
        raise InvalidToken(f"token payload: {error.error}", fault=TokenFault.MALFORMED) from error
    except (JoseError, ValueError, TypeError) as error:
        reason = error.error if isinstance(error, JoseError) else type(error).__name__
        raise InvalidToken(f"token signature: {reason} (kid {_shown(kid)})", fault=TokenFault.SIGNATURE,
                           fix=f"no key of {provider.metadata().jwks_uri} verifies it: the token was altered, or "
                               "the provider signs with a key it does not publish") from error


#: The fix when the provider, not this app's set-up, is wrong.
_PROVIDER_FAULT = ("the provider's tokens break the rules they must follow (OpenID Connect's, and Cognito's token_use): "
                   "nothing in this app's settings fixes that")


def _id_token_fix(error: Exception, claims: Mapping[str, Any], now: int, provider: Provider) -> str:
    """What a refused claim of an ID token, fresh from the token endpoint, says about the set-up.

    Such a token was issued a moment ago: one that is expired or issued in the future means
    this host's clock and the provider's disagree by more than CLOCK_SKEW.
    """
    claim, value = getattr(error, "claim", None), claims.get(getattr(error, "claim", None) or "")
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(error, ExpiredTokenError) and numeric:
        return (f"it was issued a moment ago yet expired {now - int(value)} s ago: this host's clock runs ahead of the "
                f"provider's by more than the {CLOCK_SKEW} s tolerated; set it right (NTP)")
    if claim == "iat" and isinstance(error, InvalidClaimError) and numeric:
        return (f"it says it was issued {int(value) - now} s from now: this host's clock runs behind the provider's "
                f"by more than the {CLOCK_SKEW} s tolerated; set it right (NTP)")
    settings = provider.settings
    fixes = {
        "iss": f"the provider signs as {_shown(claims.get('iss'))}, yet its discovery document names "
               f"{provider.metadata().issuer}: the provider is misconfigured (an emulator must name itself by the "
               "address it is reached at)",
        "aud": f"the ID token names {_shown(claims.get('aud'))}, not {settings.setting('OIDC_CLIENT_ID')} "
               f"{settings.client_id}: the provider issued it to another app client",
        "azp": "the ID token names several audiences and not this app client as the one it was issued to",
        "nonce": "the answer belongs to another sign-in than the one this browser started (replayed or crossed); "
                 "start again: nothing to configure",
        "at_hash": "the ID token does not belong with the access token it came with: the provider's answer is broken",
    }
    return fixes.get(claim or "", _PROVIDER_FAULT)


def _claims_fault(error: Exception) -> TokenFault:
    if isinstance(error, ExpiredTokenError):
        return TokenFault.EXPIRED
    if isinstance(error, InvalidClaimError) and error.claim in ("iat", "nbf"):
        return TokenFault.NOT_YET_VALID
    return TokenFault.CLAIMS


def _shown(value: object) -> str:
    """A header value from a token, for a log line: quoted, escaped (no CR/LF) and cut short."""
    return ascii(value)[:80]


def _check_token_use(claims: dict[str, Any], expected: str, *, required: bool, what: str) -> None:
    token_use = claims.get("token_use")
    if token_use is None and not required:
        return
    if token_use != expected:
        raise InvalidToken(f"{what}: token_use is {_shown(token_use)}, expected {expected!r}",
                           fault=TokenFault.NOT_ACCESS_TOKEN if expected == "access" else TokenFault.CLAIMS,
                           fix=f"send the {what}, not another kind of token" if expected == "access"
                           else _PROVIDER_FAULT)
