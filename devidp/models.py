"""The objects Authlib's server classes work with, adapted to the pool config.

Authlib asks for a client, an authorization code and tokens implementing its
mixins; these are thin in-memory versions of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from .config import AppClient, User


@dataclass(frozen=True)
class HostedUISession:
    """A browser signed in to the hosted UI (Cognito keeps one per domain)."""

    sid: str
    username: str
    auth_time: int
    expires_at: float


@dataclass(frozen=True)
class Challenge:
    """A sign-in between the password and the session: what the user must still do.

    Cognito developer guide, "Authentication flows" (NEW_PASSWORD_REQUIRED, then
    SOFTWARE_TOKEN_MFA): the session for answering challenges lasts 3 minutes.
    """

    id: str
    username: str
    #: "new_password" or "mfa": the page that may answer it.
    step: str
    expires_at: float
    failures: int = 0


@dataclass(frozen=True)
class PendingFederation:
    """A browser sent to an identity provider, until the provider sends it back to
    /oauth2/idpresponse with ``state`` (federation.py)."""

    state: str
    provider_name: str
    #: The app client's authorization request, answered once the provider has answered.
    request: Mapping[str, str]
    #: The nonce and PKCE verifier of the request to the provider (OIDC Core 3.1.2.1, RFC 7636).
    nonce: str
    code_verifier: str = field(repr=False)
    expires_at: float


@dataclass(frozen=True)
class TokenShape:
    """What the pool's groups and the pre token generation hook make of one issuance's
    tokens (pre_token.py): the group claims, and the hook's claims and scopes."""

    groups: tuple[str, ...] = ()
    #: ID token only: ``cognito:roles`` and ``cognito:preferred_role`` (None: no claim).
    roles: tuple[str, ...] = ()
    preferred_role: str | None = None
    id_claims: Mapping[str, Any] = field(default_factory=dict)
    id_suppressed: frozenset[str] = frozenset()
    access_claims: Mapping[str, Any] = field(default_factory=dict)
    access_suppressed: frozenset[str] = frozenset()
    scopes_added: tuple[str, ...] = ()
    scopes_suppressed: frozenset[str] = frozenset()

    def access_scope(self, scope: str) -> str:
        """The access token's ``scope`` claim: ``scope`` with the hook's scopes added and removed."""
        kept = [s for s in scope.split() if s not in self.scopes_suppressed]
        added = [s for s in self.scopes_added if s not in self.scopes_suppressed]
        return " ".join(dict.fromkeys([*kept, *added]))


@dataclass(frozen=True)
class Principal:
    """The user a token is issued to, with the sign-in it descends from.

    ``origin_jti`` is shared by every token derived from one code exchange
    (the refresh token and all access/ID tokens refreshed from it), which is
    how revoking the refresh token also revokes those access tokens.
    """

    user: User
    #: The app client the tokens are for: it decides which attributes they carry.
    client: AppClient
    auth_time: int
    origin_jti: str
    event_id: str
    #: When refreshing: the expiry of the refresh token used, which a rotated
    #: refresh token inherits ("valid for the remaining duration of the original").
    refresh_expires_at: float | None = None
    #: Set when tokens are issued (pre_token.shape_tokens): what goes into them besides the user.
    shape: TokenShape | None = None


class ClientModel(ClientMixin):
    """An app client as Authlib's ClientMixin, with Cognito's rules."""

    def __init__(self, app_client: AppClient):
        self.app_client = app_client

    def get_client_id(self) -> str:
        return self.app_client.client_id

    def get_default_redirect_uri(self) -> None:
        # Cognito requires redirect_uri on every authorization request.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All the client's scopes when none are asked, None if any is not allowed."""
        allowed = self.app_client.allowed_scopes
        if not scope:
            return " ".join(allowed)
        requested = list(dict.fromkeys(scope_to_list(scope)))
        if not set(requested) <= set(allowed):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.app_client.callback_urls

    def check_client_secret(self, client_secret: str) -> bool:
        return self.app_client.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.app_client.is_public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "code" in self.app_client.allowed_oauth_flows

    def check_grant_type(self, grant_type: str) -> bool:
        flows = self.app_client.allowed_oauth_flows
        if grant_type == "client_credentials":
            # Such clients have a secret (config.py), which the grant always checks.
            return "client_credentials" in flows
        # Refresh tokens only come from the code flow, so both need "code".
        return grant_type in ("authorization_code", "refresh_token") and "code" in flows


@dataclass(frozen=True)
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    auth_time: int
    event_id: str
    expires_at: float
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass(frozen=True)
class RefreshToken(TokenMixin):
    token: str
    client_id: str
    username: str
    scope: str
    auth_time: int
    origin_jti: str
    event_id: str
    expires_at: float
    #: Rotated out (refresh token rotation): valid until then for retries, refused after.
    retired_until: float | None = None

    def check_client(self, client: ClientModel) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class AccessToken(TokenMixin):
    """A verified access-token JWT, as the userInfo endpoint sees it."""

    claims: dict[str, Any]
    user: User
    client: AppClient
    expired: bool
    revoked: bool

    def get_scope(self) -> str:
        return self.claims["scope"]

    def is_expired(self) -> bool:
        return self.expired

    def is_revoked(self) -> bool:
        return self.revoked
