"""Calls to the token endpoint through Authlib, and the token set they return.

Authlib builds the request (grant parameters, PKCE verifier, client_secret_post or
client_secret_basic) and parses OAuth error bodies; this module turns every way the call
can fail into one of our errors and checks the answer's shape before anything trusts it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError

from .errors import ClientRejected, GrantRejected, ProviderBadResponse
from .http import calling
from .provider import Provider
from .tokens import scopes_of, unverified_claims


@dataclass(frozen=True)
class TokenSet:
    """The tokens of one session. Kept server-side only, and out of repr() and str(): a host that logs
    one (or an AuthRecord, a SignIn holding one) writes when it expires, never a token."""

    access_token: str = field(repr=False)
    id_token: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    #: When the access token expires (epoch seconds).
    expires_at: float
    scope: str | None = None

    @functools.cached_property
    def granted_scopes(self) -> frozenset[str]:
        """The scopes the access token grants: its `scope` claim (Cognito's and RFC 9068 access tokens are
        JWTs), else the token endpoint's `scope`; none for an opaque token without one.

        Read without a signature check: the token came straight from the token endpoint, over TLS, in
        answer to this client's authenticated request (as OIDC Core 3.1.3.7 (6) allows for the ID token).
        """
        claims = unverified_claims(self.access_token)
        return scopes_of(claims) if "scope" in claims else frozenset((self.scope or "").split())

    @classmethod
    def from_response(cls, body: Mapping[str, Any], now: float, fallback_expires_at: float | None = None) -> TokenSet:
        """Check a token endpoint answer; `expires_in` wins over the fallback (the ID token's exp)."""
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderBadResponse("token endpoint: no access_token in the answer")
        token_type = body.get("token_type")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ProviderBadResponse(f"token endpoint: token_type {token_type!r} is not Bearer")
        expires_in = body.get("expires_in")
        if isinstance(expires_in, int) and not isinstance(expires_in, bool) and expires_in > 0:
            expires_at = now + expires_in
        elif expires_in is None and fallback_expires_at is not None:
            expires_at = fallback_expires_at
        else:
            raise ProviderBadResponse(f"token endpoint: expires_in {expires_in!r} is not a positive number")
        id_token, refresh_token, scope = body.get("id_token"), body.get("refresh_token"), body.get("scope")
        for name, value in (("id_token", id_token), ("refresh_token", refresh_token), ("scope", scope)):
            if value is not None and not isinstance(value, str):
                raise ProviderBadResponse(f"token endpoint: {name} is not a string")
        return cls(access_token, id_token, refresh_token, float(expires_at), scope)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenSet:
        return cls(**data)


@contextmanager
def _token_request(provider: Provider, url: str, grant: str) -> Iterator[None]:
    """Authlib raises OAuthError for error bodies and ValueError/TypeError for malformed answers.

    Translated inside calling(), so the call's timing records the outcome (grant_rejected, …).
    `grant` is "authorization_code" or "refresh_token", for the fix the error names.
    """
    with calling("token endpoint", url):
        try:
            yield
        except OAuthError as error:
            raise _refusal(provider, grant, str(error.error or ""), str(error.description or "")) from error
        except requests.RequestException:  # some are ValueErrors too: calling() translates them all
            raise
        except (ValueError, TypeError, KeyError) as error:
            raise ProviderBadResponse(f"token endpoint at {url}: malformed answer ({type(error).__name__})",
                                      fix="the token_endpoint in the discovery document does not answer as OAuth "
                                          "says (a proxy or gateway in the way?)") from error


def _refusal(provider: Provider, grant: str, error: str, description: str) -> GrantRejected | ClientRejected:
    """The OAuth error (RFC 6749 5.2) as the set-up problem it points at; Cognito's codes are the same
    (Cognito developer guide, "The token issuer endpoint", error responses)."""
    settings = provider.settings
    detail = f"the token endpoint refused the {grant.replace('_', ' ')} grant: {error[:100]}" + (
        f" ({description[:300]})" if description else "")
    if error == "invalid_grant":
        return GrantRejected(detail, fix=_GRANT_FIXES[grant])
    client = f"{settings.setting('OIDC_CLIENT_ID')} {settings.client_id}"
    fixes = {
        "invalid_client": f"the provider does not accept this app client's credentials: check {client}, "
                          f"{settings.setting('OIDC_CLIENT_SECRET')} (the secret of that app client) and "
                          f"{settings.setting('OIDC_CLIENT_AUTH_METHOD')} ({settings.client_auth_method})",
        "unauthorized_client": f"app client {settings.client_id} may not use this grant: allow the authorization "
                               "code grant (Cognito: the app client's OAuth grant types) and refresh tokens",
        "unsupported_grant_type": f"the provider does not offer the {grant} grant to app client {settings.client_id}",
        "invalid_scope": f"app client {settings.client_id} may not ask for {' '.join(settings.scopes)}: allow those "
                         f"scopes for it, or change {settings.setting('OIDC_SCOPES')}",
        "invalid_request": "the provider found the request malformed; with a proxy in between, check it passes "
                           "the form body and the Authorization header unchanged",
    }
    return ClientRejected(detail, error=error, fix=fixes.get(error, "see the provider's error code"))


#: invalid_grant is the user's sign-in going stale, not a setting: what a developer can still check.
_GRANT_FIXES = {
    "authorization_code": "the code expired (Cognito: after 5 minutes), was used already, or the redirect_uri or "
                          "PKCE verifier differ from the authorization request's; start the sign-in again (if every "
                          "sign-in ends here: is the callback requested twice, or is the token endpoint not the "
                          "server that issued the code, such as an emulator restarted in between?)",
    "refresh_token": "the refresh token expired, was revoked, or the user was disabled or signed out everywhere: "
                     "the user signs in again",
}


def exchange_code(provider: Provider, *, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
    """Redeem an authorization code (with its PKCE verifier); the raw answer, still to be checked."""
    token_endpoint = provider.metadata().token_endpoint
    with (_token_request(provider, token_endpoint, "authorization_code"),
          provider.oauth_session(redirect_uri=redirect_uri) as client):
        return dict(
            client.fetch_token(
                token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
            )
        )


def refresh_grant(provider: Provider, refresh_token: str) -> dict[str, Any]:
    """New tokens for a refresh token; the raw answer, still to be checked. No scope is sent: Cognito keeps the original."""
    token_endpoint = provider.metadata().token_endpoint
    with _token_request(provider, token_endpoint, "refresh_token"), provider.oauth_session() as client:
        return dict(client.refresh_token(token_endpoint, refresh_token=refresh_token))
