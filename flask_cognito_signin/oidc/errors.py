"""One family of sign-in errors, each with a stable code (for logs) and an HTTP status (for pages).

Library exceptions (requests, Authlib, joserfc) are translated into these at the boundary
with `raise … from`, so views and error handlers deal with one hierarchy only.
"""

from __future__ import annotations

import copy
from enum import Enum


class OIDCError(Exception):
    """Base of every relying-party failure.

    `message` is safe to show anyone; `detail` (what went wrong) and `fix` (what to do about it)
    are for the people running the app: the log line, and the error page in debug mode only.
    `temporary` says whether the same request may well work later with nothing changed (an
    outage, a timeout): only then do the log and the page say to try again.
    """

    code = "oidc_error"
    status = 400
    title = "Sign-in failed"
    message = "Signing in did not work. Please try again."
    temporary = False

    def __init__(self, detail: str = "", *, fix: str = "", message: str | None = None):
        super().__init__(detail or self.code)
        self.detail = detail
        self.fix = fix
        if message is not None:
            self.message = message

    @property
    def cause(self) -> str:
        """What went wrong, and whether waiting may cure it."""
        return (self.detail or self.code) + (" (usually temporary: try again)" if self.temporary else "")

    @property
    def explanation(self) -> str:
        """The cause and the fix in one line: the log line's words."""
        return f"{self.cause}: {self.fix}" if self.fix else self.cause

    def repeated(self, note: str) -> OIDCError:
        """The same failure again, its detail followed by `note` (the back-off answers with it)."""
        again = copy.copy(self)
        again.detail = f"{self.detail}{note}"
        again.args = (again.detail,)
        return again


class ProviderConfigurationError(OIDCError):
    """The identity provider's metadata does not fit this app's settings."""

    code = "provider_misconfigured"
    status = 502
    title = "Sign-in is misconfigured"
    message = "The identity provider's configuration does not match this app's settings. An administrator must fix it."


class ProviderUnavailable(OIDCError):
    """The identity provider could not be reached (a connection refused or reset)."""

    code = "idp_unreachable"
    status = 502
    title = "Cognito is not reachable"
    message = "The sign-in service could not be reached. Please try again in a moment."
    temporary = True


class ProviderAddressError(ProviderUnavailable):
    """The address does not lead to the identity provider: a host name that does not resolve, a certificate
    refused, nothing listening on a loopback port. A setting to correct or a service to start, not an outage."""

    message = "The sign-in service could not be reached. An administrator must check the sign-in settings."
    temporary = False


class ProviderTimeout(ProviderUnavailable):
    code = "idp_timeout"
    status = 504
    message = "The sign-in service did not answer in time. Please try again in a moment."


class ProviderBadResponse(OIDCError):
    """The identity provider answered with an error status or a body that is not what the protocol says."""

    code = "idp_bad_response"
    status = 502
    title = "Cognito answered with an error"
    message = "The sign-in service sent an answer this app cannot use. An administrator must check the sign-in set-up."


class ProviderServerError(ProviderBadResponse):
    """The identity provider answered with a server error (HTTP 5xx): its own fault, usually short-lived."""

    message = "The sign-in service answered with an error. Please try again in a moment."
    temporary = True


class ClientRejected(ProviderBadResponse):
    """The token endpoint refused this app's client credentials or grant (a set-up problem, not the user's)."""

    code = "client_rejected"
    title = "Sign-in is misconfigured"
    message = "The sign-in service refused this app's credentials. An administrator must check the app client settings."

    def __init__(self, detail: str = "", *, error: str = "", fix: str = ""):
        super().__init__(detail, fix=fix)
        #: The OAuth error code the provider answered (invalid_client, unauthorized_client, …).
        self.error = error


class InvalidCallback(OIDCError):
    """The browser came back with a callback we did not ask for, or one already used."""

    code = "invalid_callback"
    status = 400
    title = "Sign-in link not valid"
    message = "This sign-in link is not valid, has expired or was already used. Please start again."


class AuthorizationDenied(OIDCError):
    """The identity provider answered the authorization request with an error (e.g. access_denied)."""

    code = "authorization_denied"
    status = 403
    title = "Sign-in was not completed"
    message = "The sign-in was cancelled or refused by the identity provider."

    def __init__(self, error: str, description: str = "", *, fix: str = "", temporary: bool = False):
        what = f"the provider answered the authorization request with {error}"
        super().__init__(f"{what} ({description})" if description else what, fix=fix)
        self.error = error
        self.temporary = temporary
        if error != "access_denied":
            self.status = 400
            self.message = ("The sign-in service had a problem. Please try again in a moment." if temporary else
                            "The sign-in service refused this app's sign-in request. An administrator must check "
                            "the app client settings.")


class GrantRejected(OIDCError):
    """The token endpoint refused the authorization code (expired, already used, PKCE mismatch)."""

    code = "grant_rejected"
    status = 400
    title = "Sign-in link not valid"
    message = "This sign-in has expired or was already used. Please start again."


class TokenFault(Enum):
    """Why a token was refused, as a fixed phrase a client may be told (RFC 6750 `error_description`).

    The phrases are chosen here, never built from the token: what a token says (a key id with
    CR/LF, quotes or non-ASCII in it) must not reach a response header. Details go to the log.
    """

    MALFORMED = "the token is not a signed JWT"
    UNKNOWN_ISSUER = "not a JWT from a configured issuer"
    ALGORITHM = "only RS256 signatures are accepted"
    SIGNATURE = "the signature does not verify with the issuer's keys"
    EXPIRED = "the token has expired"
    NOT_YET_VALID = "the token is issued in the future or not valid yet"
    CLAIMS = "a required claim is missing or not valid"
    NOT_ACCESS_TOKEN = "not an access token (token_use or typ)"
    AUDIENCE = "the token is not meant for this API (aud)"
    CLIENT = "issued to a client this API does not accept"
    SIGNED_OUT = "the sign-in this token belongs to has ended (signed out)"


class InvalidToken(OIDCError):
    """A token failed validation: signature, issuer, audience, expiry, nonce, hash or type."""

    code = "invalid_token"
    status = 403
    title = "Sign-in could not be verified"
    message = "The identity provider's answer could not be verified, so you were not signed in."

    def __init__(self, detail: str = "", *, fault: TokenFault = TokenFault.CLAIMS, fix: str = ""):
        super().__init__(detail, fix=fix)
        self.fault = fault


class StaleAuthentication(InvalidToken):
    """A sign-in that had to be recent (a step-up) came back without a recent authentication: its ID token's
    `auth_time` is missing, older than the max_age asked, or in the future (OIDC Core 3.1.3.7, item 13)."""

    code = "stale_authentication"
    title = "A fresh sign-in is needed"
    message = ("This page needs a sign-in from the last few minutes, and the identity provider's answer does not "
               "show one, so nothing was changed. Open the page again to sign in once more.")


class InsufficientScope(OIDCError):
    """A valid access token without a scope the API requires; `scopes` are all those required (RFC 6750 3)."""

    code = "insufficient_scope"
    status = 403
    title = "Not allowed"
    message = "The access token does not grant the scope this request needs."

    def __init__(self, detail: str = "", *, scopes: frozenset[str] = frozenset()):
        super().__init__(detail)
        self.scopes = scopes


class SessionEnded(OIDCError):
    """The provider refused to refresh the session's tokens (revoked or expired): sign in again."""

    code = "session_ended"
    status = 401
    title = "Signed out"
    message = "Your session has ended. Please sign in again."


class RefreshUnavailable(OIDCError):
    """Tokens expired and could not be refreshed because the provider is not answering."""

    code = "refresh_unavailable"
    status = 503
    title = "Cognito is not reachable"
    message = "Your session needs the sign-in service, which is not answering. Please try again in a moment."
