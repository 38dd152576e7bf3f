"""The emulator as an OpenID Connect relying party of an identity provider.

Cognito developer guide, "OIDC user pool IdP authentication flow": the pool sends the
browser to the provider's authorization endpoint, collects the code at its
``/oauth2/idpresponse``, redeems it at the provider's token endpoint with
``client_secret_post`` ("Using OIDC identity providers with a user pool": Cognito does not
use client_secret_basic), checks the ID token and reads the provider's userInfo for the
user's attributes. Authlib's requests client builds the authorization URL (with PKCE) and
makes the token request, joserfc verifies the ID token; the discovery document and the JWKS
are plain GETs. Everything here runs inside a request of the pool's domain, with timeouts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .config import IdentityProvider
from .models import PendingFederation

log = logging.getLogger("devidp")

DISCOVERY_PATH = "/.well-known/openid-configuration"
#: Seconds the pool waits for the provider on each call.
HTTP_TIMEOUT = 10
#: Seconds of clock difference tolerated in the provider's iat and exp.
CLOCK_SKEW = 60
#: The ID-token algorithm accepted (Cognito also takes ES* and HS*; the emulator signs RS256).
ID_TOKEN_ALGORITHMS = ["RS256"]
_REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class UpstreamError(Exception):
    """The sign-in at the provider failed. The message says why (for the log only);
    ``description`` is the error_description Cognito documents for the case, if any."""

    def __init__(self, why: str, description: str | None = None):
        super().__init__(why)
        self.description = description


class UpstreamProvider:
    """One configured provider: its discovery document (read once) and the sign-in steps.

    ``redirect_uri`` is the pool domain's /oauth2/idpresponse; ``clock`` checks the ID
    token's times, so that tests which move the emulator's clock move these checks too.
    """

    def __init__(
        self, provider: IdentityProvider, redirect_uri: str, clock: Callable[[], float] = time.time
    ):
        self.provider = provider
        self.redirect_uri = redirect_uri
        self.clock = clock
        self._discovered: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def authorization_url(self, pending: PendingFederation) -> str:
        """Where the browser signs in at the provider: code flow with state, nonce and S256 PKCE.

        Cognito developer guide, "Authorize endpoint" (login_hint): a request that goes to an
        OIDC provider passes the client's ``login_hint`` on to it.
        """
        hint = pending.request.get("login_hint")
        url, _ = self._session().create_authorization_url(
            self._metadata_value("authorization_endpoint"),
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            **({"login_hint": hint} if hint else {}),
        )
        return url

    def sign_in(self, code: str, pending: PendingFederation) -> dict[str, Any]:
        """Redeem ``code`` and return the user's claims: the verified ID token's, with
        the provider's userInfo answer over them."""
        session = self._session()
        id_token = self._redeem(session, code, pending)
        claims = self._verified_id_token(id_token, pending.nonce)
        return {**claims, **self._userinfo(session, claims["sub"])}

    def _session(self) -> OAuth2Session:
        provider = self.provider
        return OAuth2Session(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            scope=" ".join(provider.scopes),
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method="client_secret_post",
            code_challenge_method="S256",
            default_timeout=HTTP_TIMEOUT,
        )

    def _redeem(self, session: OAuth2Session, code: str, pending: PendingFederation) -> str:
        """The ID token of the token endpoint's answer.

        Cognito developer guide, "Authorize endpoint" (error responses): an error from the
        provider's token endpoint reaches the client as
        ``error_description=<provider name> Error - <status code> error getting token``.
        """
        statuses: list[int] = []

        def remember_status(response: requests.Response) -> requests.Response:
            statuses.append(response.status_code)
            return response

        session.register_compliance_hook("access_token_response", remember_status)
        try:
            token = session.fetch_token(
                self._metadata_value("token_endpoint"),
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
        except (OAuthError, requests.HTTPError, ValueError) as error:
            status = statuses[-1] if statuses else 0
            raise UpstreamError(
                f"token endpoint answered {status}: {error}",
                description=f"{self.provider.name} Error - {status} error getting token",
            ) from None
        except requests.RequestException as error:
            raise UpstreamError(f"token endpoint unreachable: {type(error).__name__}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise UpstreamError("the token endpoint's answer has no id_token")
        return id_token

    def _verified_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """OIDC Core 3.1.3.7: signed by a key of the provider's JWKS, for this issuer and
        client, not expired, and carrying the nonce of this sign-in."""
        keys = KeySet.import_key_set(self._get_json(self._metadata_value("jwks_uri"), "JWKS"))
        registry = jwt.JWTClaimsRegistry(
            now=int(self.clock()),
            leeway=CLOCK_SKEW,
            iss={"essential": True, "value": self.provider.issuer},
            aud={"essential": True, "value": self.provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            claims = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS).claims
            registry.validate(claims)
        except (JoseError, ValueError, TypeError) as error:
            raise UpstreamError(f"ID token refused: {error}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.provider.client_id:
            raise UpstreamError("ID token refused: several audiences and azp is not our client")
        return dict(claims)

    def _userinfo(self, session: OAuth2Session, sub: str) -> dict[str, Any]:
        """The provider's userInfo answer, if it has the endpoint. OIDC Core 5.3.2: its sub
        must be the ID token's, else the answer is about someone else."""
        endpoint = self._metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        try:
            response = session.get(endpoint)
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise UpstreamError(f"userInfo failed: {type(error).__name__}") from None
        if not isinstance(answer, dict) or answer.get("sub") != sub:
            raise UpstreamError("userInfo answered for another sub than the ID token's")
        return answer

    def _metadata(self) -> dict[str, Any]:
        """The discovery document, read at first use and kept (OpenID Connect Discovery 4.3:
        its issuer must be the one configured)."""
        with self._lock:
            if self._discovered is None:
                url = self.provider.issuer.rstrip("/") + DISCOVERY_PATH
                document = self._get_json(url, "discovery document")
                if document.get("issuer") != self.provider.issuer:
                    raise UpstreamError(f"discovery at {url} names another issuer")
                missing = [k for k in _REQUIRED_ENDPOINTS if not isinstance(document.get(k), str)]
                if missing:
                    raise UpstreamError(f"discovery at {url} lacks {', '.join(missing)}")
                self._discovered = document
            return self._discovered

    def _metadata_value(self, key: str) -> str:
        return self._metadata()[key]

    @staticmethod
    def _get_json(url: str, what: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise UpstreamError(f"{what} at {url} unavailable: {type(error).__name__}") from None
        if not isinstance(document, dict):
            raise UpstreamError(f"{what} at {url} is not a JSON object")
        return document
