"""Authlib server wiring: grants, PKCE, OpenID Connect, revocation, userInfo.

The protocol work (parameter validation, client authentication, PKCE
checks, at_hash, error bodies) is Authlib's; the subclasses here only plug
in storage and Cognito's deviations, each noted where it happens.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
    UnsupportedResponseTypeError,
    UnsupportedTokenTypeError,
    grants,
    scope_to_list,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from flask import Flask, Response, abort
from flask import request as flask_request

from .config import SUPPORTED_SCOPES
from .directory import UserDirectory
from .models import AccessToken, AuthorizationCode, ClientModel, Principal, RefreshToken
from .pre_token import HOSTED_AUTH, REFRESH_TOKENS, HookFailed, shape_tokens
from .store import MemoryStore
from .tokens import TokenFactory

log = logging.getLogger("devidp")

#: Cognito accepts a client secret in the Basic header or the form body;
#: "none" serves public clients (no secret), which must use PKCE.
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
#: Cognito's response types and the AllowedOAuthFlows each needs.
_FLOW_OF_RESPONSE_TYPE = {"code": "code", "token": "implicit"}
#: "The phone, email, and profile scopes can only be requested if openid scope is also requested."
_SCOPES_NEEDING_OPENID = frozenset({"email", "phone", "profile"})


class RedirectMismatchError(OAuth2Error):
    """An unregistered redirect_uri: the /error page, never a redirect to it."""

    error = "redirect_mismatch"
    description = "The redirect_uri is not one of the app client's callback URLs."


class IdentityProviderError(OAuth2Error):
    """A sign-in through an identity provider failed; Cognito redirects the client
    ``invalid_request``, with the error_description its guide gives for the case, if any
    ("Authorize endpoint", error responses)."""

    error = "invalid_request"


class StoredAuthorizationRequest(OAuth2Request):
    """An authorization request kept while the browser signs in at an identity provider,
    validated and answered again when the provider sends the browser back (federation.py).

    ``uri`` is the request's URL on the pool domain; ``params`` its query parameters.
    """

    def __init__(self, uri: str, params: dict[str, str]):
        super().__init__("GET", uri)
        self.payload = BasicOAuth2Payload(dict(params))


class CognitoAuthorizationServer(AuthorizationServer):
    """Authlib's Flask server, storing state in a MemoryStore."""

    def __init__(
        self, app: Flask, directory: UserDirectory, store: MemoryStore, tokens: TokenFactory
    ):
        super().__init__()
        self.directory = directory
        self.store = store
        self.tokens = tokens
        self.init_app(app)
        self.register_grant(
            AuthorizationCodeGrant, [S256CodeChallenge(required=True), OpenIDCode(tokens)]
        )
        self.register_grant(RefreshTokenGrant, [OpenIDRefresh(tokens)])
        self.register_grant(ClientCredentialsGrant)
        self.register_endpoint(CognitoRevocationEndpoint)

    def load_config(self, config: Any) -> None:
        # Replaces Authlib's random-string bearer tokens with Cognito's JWTs.
        self.register_token_generator("default", self._generate_token)
        self.scopes_supported = [*SUPPORTED_SCOPES, *self.directory.pool.custom_scopes]

    def get_authorization_grant(self, request: OAuth2Request) -> grants.BaseGrant:
        """Authlib's grant for the response type, with Cognito's errors for the others.

        Cognito developer guide, "Authorize endpoint" (negative responses): a missing
        ``response_type`` is ``invalid_request``; ``code`` or ``token`` that the client is
        not allowed (its AllowedOAuthFlows) is ``unauthorized_client``. ``token`` for a client
        with the implicit flow stays ``unsupported_response_type``: the emulator has no
        implicit grant. Each goes to the redirect_uri once Authlib has found it registered.
        """
        try:
            return super().get_authorization_grant(request)
        except UnsupportedResponseTypeError as error:
            response_type = request.payload.response_type
            client = self.query_client(request.payload.client_id or "")
            if not response_type:
                raise InvalidRequestError(redirect_uri=error.redirect_uri) from None
            flow = _FLOW_OF_RESPONSE_TYPE.get(response_type)
            if flow and client and flow not in client.app_client.allowed_oauth_flows:
                raise UnauthorizedClientError(redirect_uri=error.redirect_uri) from None
            raise

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        """A StoredAuthorizationRequest as it is; else Authlib's, from Flask's request."""
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)

    def query_client(self, client_id: str) -> ClientModel | None:
        app_client = self.directory.pool.client(client_id)
        return ClientModel(app_client) if app_client else None

    def _generate_token(
        self,
        grant_type: str,
        client: ClientModel,
        user: Principal | None,
        scope: str,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        app_client = client.app_client
        if user is None:  # client_credentials: the validated scope, or all the client's
            scope = client.get_allowed_scope(scope)
            access_token = self.tokens.client_access_token(app_client, scope)
        else:
            access_token = self.tokens.access_token(user, app_client, scope)
        token = {
            "access_token": access_token,
            "expires_in": app_client.access_token_validity_seconds,
            "token_type": "Bearer",
            # Read by Authlib's OpenID extension, dropped before the response.
            "scope": scope,
        }
        if include_refresh_token:
            token["refresh_token"] = self.tokens.refresh_token()
        return token

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        if "refresh_token" not in token:
            return
        principal: Principal = request.user
        app_client = request.client.app_client
        expires_at = principal.refresh_expires_at or (
            self.store.clock() + app_client.refresh_token_validity_seconds
        )
        self.store.save_refresh_token(
            RefreshToken(
                token=token["refresh_token"],
                client_id=app_client.client_id,
                username=principal.user.username,
                scope=token["scope"],
                auth_time=principal.auth_time,
                origin_jti=principal.origin_jti,
                event_id=principal.event_id,
                expires_at=expires_at,
            )
        )

    def handle_error_response(self, request: object, error: OAuth2Error) -> Response:
        """The error as JSON, or as a redirect when it carries a redirect_uri.

        Only the ``error`` name goes out (Cognito developer guide: "The token
        endpoint" answers ``{"error": "invalid_grant"}``, "Authorize endpoint"
        redirects ``?error=invalid_request``); the description goes to the log,
        except the ones Cognito documents for identity providers' failures.
        ``request`` is only passed on to Authlib, which does not read it.
        """
        # Cognito developer guide: the token endpoint answers every error with
        # 400; "The token revocation endpoint" answers invalid_client with 401.
        revoking = flask_request.endpoint == "api.revoke"
        if not (revoking and isinstance(error, InvalidClientError)):
            error.status_code = 400
        log.warning(
            "%s %s: %s (%s)",
            flask_request.method,
            flask_request.path,
            error.error,
            error.get_error_description(),
        )
        if not isinstance(error, IdentityProviderError):
            error.description = ""
        return super().handle_error_response(request, error)


class _CognitoTokenResponse:
    """Token-endpoint behaviour shared by the grants."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    #: The pre token generation trigger's triggerSource; None: no trigger (client_credentials).
    TRIGGER_SOURCE: str | None = None

    def generate_token(
        self, user: Principal | None = None, scope: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Shape a person's tokens (group claims, the pre token generation hook) first; the
        ID token, which Authlib's OpenID extension adds afterwards, is made for the same shape."""
        if user is not None and self.TRIGGER_SOURCE is not None:
            try:
                user = shape_tokens(self.server.directory.pool, user, scope or "", self.TRIGGER_SOURCE)
            except HookFailed as failure:
                # The guide does not say what the token endpoint answers when the trigger fails.
                raise InvalidRequestError(f"pre token generation: {failure.exception}: {failure}") from None
            self.request.shaped_user = user
        return super().generate_token(user=user, scope=scope, **kwargs)  # type: ignore[misc]

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        status, token, headers = super().create_token_response()  # type: ignore[misc]
        token.pop("scope", None)  # Cognito's token response has no "scope"
        return status, token, headers


class AuthorizationCodeGrant(_CognitoTokenResponse, grants.AuthorizationCodeGrant):
    TRIGGER_SOURCE = HOSTED_AUTH

    def validate_requested_scope(self) -> None:
        """Cognito developer guide, "Authorize endpoint" (scope): email, phone and profile
        only with openid; without it the request is refused ``invalid_scope``, never a code."""
        super().validate_requested_scope()
        scopes = set(scope_to_list(self.request.payload.scope) or ())
        if scopes & _SCOPES_NEEDING_OPENID and "openid" not in scopes:
            raise InvalidScopeError()

    @staticmethod
    def validate_authorization_redirect_uri(request: OAuth2Request, client: ClientModel) -> str:
        # Cognito requires redirect_uri and never redirects to an unregistered one.
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri or not client.check_redirect_uri(redirect_uri):
            raise RedirectMismatchError()
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        session = request.user  # the HostedUISession the view passed as grant_user
        app_client = request.client.app_client
        data = request.payload.data
        self.server.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=app_client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                username=session.username,
                auth_time=session.auth_time,
                event_id=str(uuid.uuid4()),
                expires_at=self.server.store.clock() + app_client.auth_code_validity_seconds,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )
        )

    def query_authorization_code(self, code: str, client: ClientModel) -> AuthorizationCode | None:
        """Taken atomically, so a code works once even under concurrent exchanges.

        Cognito developer guide, "Token endpoint": redirect_uri "must be the same redirect_uri
        that was used to get authorization_code"; it does not say what a different one gets.
        Cognito answers ``unauthorized_client`` (seen by developers, e.g. Stack Overflow
        question 50264679), and a missing one is a missing parameter (``invalid_request``).
        The code is used up either way.
        """
        found = self.server.store.take_code(code, client.get_client_id())
        redirect_uri = self.request.payload.redirect_uri
        if found is not None and not redirect_uri:
            raise InvalidRequestError()
        if found is not None and redirect_uri != found.redirect_uri:
            raise UnauthorizedClientError()
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: query_authorization_code already consumed the code."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Principal | None:
        user = self.server.directory.pool.active_user(authorization_code.username)
        if user is None:
            return None
        return Principal(
            user=user,
            client=self.request.client.app_client,
            auth_time=authorization_code.auth_time,
            origin_jti=str(uuid.uuid4()),
            event_id=authorization_code.event_id,
        )


class RefreshTokenGrant(_CognitoTokenResponse, grants.RefreshTokenGrant):
    """Cognito developer guide, "Refresh tokens": without rotation a refresh
    returns ID and access tokens only; with the client's rotation on, also a
    new refresh token, and the old one lives on for the retry grace period."""

    TRIGGER_SOURCE = REFRESH_TOKENS

    def issue_token(self, user: Principal, refresh_token: RefreshToken) -> dict[str, Any]:
        scope = self.request.payload.scope or refresh_token.get_scope()
        return self.generate_token(
            user=user,
            scope=scope,
            include_refresh_token=self.request.client.app_client.refresh_token_rotation,
        )

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        return self.server.store.find_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token: RefreshToken) -> Principal | None:
        # A disabled or deleted user's refresh token fails (invalid_grant); new
        # tokens carry the user's attributes and groups as they are now.
        user = self.server.directory.pool.active_user(refresh_token.username)
        if user is None:  # Authlib would say invalid_request; Cognito's is invalid_grant
            raise InvalidGrantError()
        return Principal(
            user=user,
            client=self.request.client.app_client,
            auth_time=refresh_token.auth_time,
            origin_jti=refresh_token.origin_jti,
            event_id=refresh_token.event_id,
            refresh_expires_at=refresh_token.expires_at,
        )

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        """With rotation, retire the old token after the grace period; else keep it."""
        app_client = self.request.client.app_client
        if app_client.refresh_token_rotation:
            self.server.store.retire(
                refresh_token, app_client.refresh_token_retry_grace_period_seconds
            )


class ClientCredentialsGrant(_CognitoTokenResponse, grants.ClientCredentialsGrant):
    """Machine-to-machine tokens (Cognito developer guide: "The token endpoint",
    "Scopes, M2M, and APIs with resource servers"): a client with a secret and the
    client_credentials flow gets an access token only, for the custom scopes it asks
    (all its scopes when it asks none); a scope it was not given is invalid_scope."""

    TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")

    def validate_requested_scope(self) -> None:
        if self.request.client.get_allowed_scope(self.request.payload.scope) is None:
            raise InvalidScopeError()


class S256CodeChallenge(CodeChallenge):
    """PKCE as Cognito supports it: S256 only, and the method must be stated."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")


class _CognitoIDToken:
    """Cognito's ID-token shape for Authlib's OpenID extensions."""

    tokens: TokenFactory

    def resolve_client_private_key(self, client: ClientModel) -> Any:
        return self.tokens.keys.id_key

    def get_client_algorithm(self, client: ClientModel) -> str:
        return "RS256"

    def get_encode_header(self, client: ClientModel) -> dict[str, str]:
        return self.tokens.id_token_header()

    def get_client_claims(self, client: ClientModel) -> dict[str, Any]:
        return self.tokens.id_token_registered_claims(client.app_client)

    def generate_user_info(self, user: Principal, scope: str) -> dict[str, Any]:
        return self.tokens.id_token_user_claims(user)

    def process_token(self, grant: Any, response: Any) -> Any:
        # The ID token has the shape the access token was made with (_CognitoTokenResponse).
        shaped = getattr(grant.request, "shaped_user", None)
        if shaped is not None:
            grant.request.user = shaped
        return super().process_token(grant, response)  # type: ignore[misc]


class OpenIDCode(_CognitoIDToken, oidc_grants.OpenIDCode):
    def __init__(self, tokens: TokenFactory):
        super().__init__(require_nonce=False)
        self.tokens = tokens

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        # Cognito does not reject a reused nonce; the RP checks the nonce it sent.
        return False


class OpenIDRefresh(_CognitoIDToken, oidc_grants.OpenIDToken):
    """Cognito also returns a fresh ID token on refresh (without nonce)."""

    def __init__(self, tokens: TokenFactory):
        self.tokens = tokens


class CognitoRevocationEndpoint(RevocationEndpoint):
    """Cognito developer guide, "The token revocation endpoint": refresh tokens
    only (an ID or access token is 400 unsupported_token_type), an unknown
    token is 200 with no effect, and success is 200 with an empty body."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def create_endpoint_response(
        self, request: OAuth2Request
    ) -> tuple[int, str, list[tuple[str, str]]]:
        status, _, headers = super().create_endpoint_response(request)
        return status, "", [(k, v) for k, v in headers if k.lower() != "content-type"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> RefreshToken | None:
        if self.server.tokens.is_pool_jwt(token_string):
            raise UnsupportedTokenTypeError()
        return self.server.store.find_refresh_token(token_string)

    def revoke_token(self, token: RefreshToken, request: OAuth2Request) -> None:
        lifetime = request.client.app_client.access_token_validity_seconds
        self.server.store.revoke(token, access_token_lifetime=lifetime)


class _AccessTokenValidator(BearerTokenValidator):
    def __init__(self, directory: UserDirectory, store: MemoryStore, tokens: TokenFactory):
        super().__init__()
        self.directory = directory
        self.store = store
        self.tokens = tokens

    def authenticate_token(self, token_string: str) -> AccessToken | None:
        claims = self.tokens.verify_access_token(token_string)
        if claims is None:
            return None
        pool = self.directory.pool
        user = pool.active_user(claims["username"])
        client = pool.client(claims["client_id"])
        if user is None or client is None:
            return None
        return AccessToken(
            claims=claims,
            user=user,
            client=client,
            expired=claims["exp"] <= self.store.clock(),
            revoked=self.store.is_origin_revoked(claims["origin_jti"]),
        )


class UserInfoProtector(ResourceProtector):
    """Bearer-token check for /oauth2/userInfo, logging each refusal."""

    def __init__(self, directory: UserDirectory, store: MemoryStore, tokens: TokenFactory):
        super().__init__()
        self.register_token_validator(_AccessTokenValidator(directory, store, tokens))

    def raise_error_response(self, error: OAuth2Error) -> None:
        """RFC 6750 errors; a request without a bearer access token (no Authorization, or
        another scheme) is ``invalid_token`` too, since Cognito developer guide, "userInfo
        endpoint", documents 401 ``invalid_token`` and 400 ``invalid_request`` only, and
        Authlib's own ``missing_authorization`` / ``unsupported_token_type`` are no RFC 6750 codes."""
        log.warning("userInfo: %s (%s)", error.error, error.get_error_description())
        if error.error in ("missing_authorization", "unsupported_token_type"):
            error = InvalidTokenError()
        # A ready Response passes through the app's HTTP error handlers untouched.
        abort(
            Response(
                json.dumps(dict(error.get_body())),
                status=error.status_code,
                headers=error.get_headers(),
            )
        )
