"""The authorization-code sign-in, start to finish, without any Flask request globals.

`begin_sign_in` builds the authorization URL (state, nonce, PKCE S256) and returns what
must be remembered until the browser comes back; `complete_sign_in` checks the callback,
redeems the code and validates the ID token, returning an immutable SignIn.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import AuthorizationDenied, InvalidCallback, ProviderBadResponse
from .provider import Provider
from .token_endpoint import TokenSet, exchange_code
from .tokens import validate_id_token
from .user import User
from .userinfo import fetch_userinfo


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback needs to finish a sign-in; the browser keeps it, sealed, until then."""

    provider: str
    state: str
    nonce: str = field(repr=False)  # secrets of the sign-in: never in a log line that prints one
    code_verifier: str = field(repr=False)
    redirect_uri: str
    return_to: str
    #: A step-up's: how recent (seconds) the sign-in must be; None for an ordinary sign-in. Sealed
    #: with the rest, so the callback decides by what /login asked, never by what the browser brings.
    max_age: int | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingSignIn:
        return cls(**data)


@dataclass(frozen=True)
class SignIn:
    """A completed sign-in: who, with which tokens, and where the user wanted to go."""

    provider: str
    user: User
    tokens: TokenSet
    return_to: str


def begin_sign_in(provider: Provider, redirect_uri: str, return_to: str, max_age: int | None = None, *,
                  login_hint: str | None = None) -> tuple[str, PendingSignIn]:
    """The authorization URL to send the browser to, and the pending sign-in to keep.

    With `max_age` (a step-up) the user must sign in again, even with a session at the provider:
    `prompt=login` is what Cognito's managed login honours (Cognito developer guide, "Authorize
    endpoint", which documents prompt but no max_age); `max_age` (OIDC Core 3.1.2.1) is sent too,
    for providers that take it. Neither is trusted: the callback checks the ID token's auth_time.
    `login_hint` (OIDC Core 3.1.2.1) passes on the address the user gave this app, for the
    provider's sign-in page to fill in.
    """
    authorization_endpoint = provider.metadata().authorization_endpoint
    # 256 bits each from the OS in one call (Authlib's generate_token draws one random call per
    # character). The verifier, 64 characters of base64url, is in RFC 7636's alphabet and length.
    state, nonce, code_verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    fresh = {"prompt": "login", "max_age": str(max_age)} if max_age is not None else {}
    hint = {"login_hint": login_hint} if login_hint else {}
    with provider.oauth_session(redirect_uri=redirect_uri, scope=" ".join(provider.settings.scopes)) as client:
        url, _ = client.create_authorization_url(
            authorization_endpoint, state=state, code_verifier=code_verifier, nonce=nonce, **fresh, **hint
        )
    return url, PendingSignIn(provider.alias, state, nonce, code_verifier, redirect_uri, return_to, max_age)


def complete_sign_in(provider: Provider, pending: PendingSignIn, params: Mapping[str, str]) -> SignIn:
    """Finish the sign-in that `pending` started, from the callback's query parameters.

    The caller has matched `pending` to the callback's state and to this browser.
    """
    metadata = provider.metadata()
    # RFC 9207, for error responses too: when the provider names itself it must be the one we
    # asked, and a provider that says it always does (discovery) must have.
    if "iss" in params and params["iss"] != metadata.issuer:
        raise InvalidCallback(f"callback iss {params['iss'][:200]!r} is not the issuer {metadata.issuer!r}",
                              fix=_MIX_UP)
    if "iss" not in params and metadata.authorization_response_iss:
        raise InvalidCallback("callback has no iss, which the provider's discovery says it always sends (RFC 9207)",
                              fix=_MIX_UP)
    if "error" in params:
        raise authorization_error(provider, params["error"][:100], params.get("error_description", "")[:300])
    code = params.get("code")
    if not code:
        raise InvalidCallback("callback has no code", fix="the browser came back without the provider's answer: "
                                                          "start the sign-in again from the app's /login")
    answer = exchange_code(provider, code=code, code_verifier=pending.code_verifier, redirect_uri=pending.redirect_uri)
    id_token, access_token = answer.get("id_token"), answer.get("access_token")
    if not isinstance(id_token, str):
        raise ProviderBadResponse(
            "the token endpoint answered without an ID token",
            fix=f"the app asks for {' '.join(provider.settings.scopes)}: keep openid in "
                f"{provider.settings.setting('OIDC_SCOPES')} and allow it for the app client")
    id_claims = validate_id_token(
        provider, id_token, nonce=pending.nonce, access_token=access_token if isinstance(access_token, str) else None,
        max_age=pending.max_age,
    )
    tokens = TokenSet.from_response(answer, provider.clock(), fallback_expires_at=id_claims["exp"])
    userinfo = fetch_userinfo(provider, tokens.access_token, expected_sub=id_claims["sub"]) if _asks_userinfo(
        provider.settings.userinfo, metadata.is_cognito) else {}
    user = User.from_claims(id_claims, userinfo, provider=provider.alias)
    return SignIn(provider.alias, user, tokens, pending.return_to)


#: A callback that names another issuer than the one asked: a mix-up attack, or two providers crossed.
_MIX_UP = "the answer did not come from the provider this sign-in was sent to; start again (nothing to configure)"


def authorization_error(provider: Provider, error: str, description: str) -> AuthorizationDenied:
    """The provider's answer `error` (RFC 6749 4.1.2.1) as the set-up problem it points at, if any.

    Cognito sends these to the callback only once it trusts the client and its redirect_uri
    (Cognito developer guide, "The redirect and authorization endpoint", error responses).
    """
    settings = provider.settings
    client = f"app client {settings.client_id}"
    fixes = {
        "access_denied": "the user cancelled, or the provider refused this user: nothing to configure",
        "invalid_scope": f"{client} may not ask for every scope in {settings.setting('OIDC_SCOPES')} "
                         f"({' '.join(settings.scopes)}): allow them for it, or ask for fewer",
        "unauthorized_client": f"{client} may not use the authorization code grant: allow it (Cognito: the app "
                               "client's OAuth grant types)",
        "unsupported_response_type": f"{client} may not use the authorization code grant: allow it",
        "invalid_request": f"the provider refused the request as malformed (with Cognito: {client} must support "
                           "the identity provider asked for, and PKCE must be S256)",
    }
    if error in ("server_error", "temporarily_unavailable"):
        return AuthorizationDenied(error, description, fix="the provider failed; if it lasts, check its status",
                                   temporary=True)
    return AuthorizationDenied(error, description, fix=fixes.get(error, "see the provider's error code"))


def _asks_userinfo(policy: str, cognito: bool) -> bool:
    """Whether the profile needs the userinfo endpoint. A Cognito pool's ID token carries every attribute
    the app client may read, custom ones included, whatever the scopes (Cognito developer guide,
    "Understanding the identity (ID) token"), and its userInfo answers a subset of them: under `auto`
    the call, a round trip and a request against the pool's UserInfo quota, is skipped."""
    return policy == "always" or (policy == "auto" and not cognito)
