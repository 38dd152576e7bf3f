"""One OpenID provider as this app sees it: settings, discovered metadata, signing keys, OAuth client.

Discovery is fetched on first use and cached, so the app starts while the IdP is down and
works as soon as it is back; a failed fetch is not tried again for backoff.RETRY_INTERVAL
seconds, so an outage does not cost the IdP one call per request. The JWKS has its own
cache with a lifetime and rules for unknown key ids (signing_keys.py).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from joserfc.jwk import KeySet

from flask_cognito_signin.settings import DISCOVERY_SUFFIX, ProviderSettings, is_loopback_host
from flask_cognito_signin.signals import provider_document_fetched

from .backoff import FailureBackoff
from .errors import OIDCError, ProviderBadResponse, ProviderConfigurationError
from .http import ProviderOAuth2Session, ProviderSession, get_json
from .signing_keys import SigningKeys
from .token_cache import ValidatedTokens

log = logging.getLogger(__name__)

SIGNING_ALGORITHM = "RS256"
_COGNITO_ISSUER_HOST = re.compile(r"^cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_USER_POOL_ID_PATH = re.compile(r"^/[a-z]{2}(-[a-z]+)+-\d+_[0-9A-Za-z]+$")


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the discovery document this app uses, checked once when fetched."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    revocation_endpoint: str | None
    end_session_endpoint: str | None
    #: RFC 9207: the provider names itself (`iss`) in every authorization response.
    authorization_response_iss: bool

    @property
    def is_cognito(self) -> bool:
        """Cognito user pools issue tokens as https://cognito-idp.<region>.amazonaws.com/<pool id>; the local
        emulator as http://127.0.0.1:<port>/<pool id>. Cognito's rules only ever add checks (token_use
        required) or skip a call whose answer the ID token already holds (userinfo)."""
        parts = urlsplit(self.issuer)
        return bool(_COGNITO_ISSUER_HOST.match(parts.hostname or "")) or (
            is_loopback_host(parts.hostname) and bool(_USER_POOL_ID_PATH.match(parts.path)))

    @classmethod
    def from_document(cls, document: dict[str, Any], settings: ProviderSettings) -> ProviderMetadata:
        issuer = document.get("issuer")
        if issuer != settings.issuer:
            raise ProviderConfigurationError(
                f"the discovery document names the issuer {_shown(issuer)}, not {settings.issuer} (the discovery "
                "URL without /.well-known/openid-configuration)",
                fix=_issuer_fix(issuer, settings),
            )
        _require_listed(document, "token_endpoint_auth_methods_supported", settings.client_auth_method,
                        default=["client_secret_basic"],
                        fix=f"set {settings.setting('OIDC_CLIENT_AUTH_METHOD')} to one it supports")
        _require_listed(document, "id_token_signing_alg_values_supported", SIGNING_ALGORITHM,
                        default=[SIGNING_ALGORITHM], fix="the app accepts RS256 signatures only: sign with RS256")
        return cls(
            issuer=issuer,
            authorization_endpoint=_endpoint(document, "authorization_endpoint", required=True),
            token_endpoint=_endpoint(document, "token_endpoint", required=True),
            jwks_uri=_endpoint(document, "jwks_uri", required=True),
            userinfo_endpoint=_endpoint(document, "userinfo_endpoint"),
            revocation_endpoint=_endpoint(document, "revocation_endpoint"),
            end_session_endpoint=_endpoint(document, "end_session_endpoint"),
            authorization_response_iss=document.get("authorization_response_iss_parameter_supported") is True,
        )


def _endpoint(document: dict[str, Any], name: str, required: bool = False) -> str | None:
    """An endpoint URL from the document: https, or http on loopback only, so no token crosses the network in clear."""
    url = document.get(name)
    if url is None and not required:
        return None
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.hostname or not (
        parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))
    ):
        raise ProviderBadResponse(
            f"discovery document: {name} is missing or not an https URL: {_shown(url)}",
            fix="the identity provider must publish https endpoints (plain http only on this machine's loopback)")
    return url


def _require_listed(document: dict[str, Any], name: str, wanted: str, default: list[str], fix: str) -> None:
    listed = document.get(name, default)
    if not isinstance(listed, list) or wanted not in listed:
        raise ProviderConfigurationError(f"the provider's {name} {_shown(listed)} does not include {wanted}", fix=fix)


def _issuer_fix(issuer: object, settings: ProviderSettings) -> str:
    """Tokens will name the document's issuer, so the discovery URL must be that issuer's (a local emulator
    reached as localhost names itself 127.0.0.1, say, unless told otherwise)."""
    setting = settings.setting("OIDC_DISCOVERY_URL")
    if isinstance(issuer, str) and issuer.startswith(("https://", "http://")):
        return f"if that is the provider you mean, set {setting} to {issuer[:200]}{DISCOVERY_SUFFIX}"
    return f"check {setting}: it does not lead to an OpenID provider's own document"


def _shown(value: object) -> str:
    """A value from the provider's document, for a log line: quoted and cut short."""
    return repr(value)[:200]


class Provider:
    """Discovery, keys and OAuth clients for one provider; safe to share between threads."""

    def __init__(
        self,
        settings: ProviderSettings,
        timeout: float,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.timeout = timeout
        self.clock = clock
        # One connection pool per provider, shared by the short-lived OAuth2Session objects.
        self._adapter = requests.adapters.HTTPAdapter()
        self._http = self._mounted(ProviderSession())
        # Held while discovery is fetched: one fetch at a time, the others wait for its result.
        self._discovery_lock = threading.Lock()
        self._discovery_backoff = FailureBackoff(lambda: self.clock())
        self._metadata: ProviderMetadata | None = None
        # The clock is read through self: tests replace it after construction.
        self._keys = SigningKeys(lambda: self.get_json(self.metadata().jwks_uri, "JWKS"), lambda: self.clock())
        #: Access tokens validated already (tokens.py fills it).
        self.validated_access_tokens = ValidatedTokens()

    @property
    def alias(self) -> str:
        return self.settings.alias

    def _mounted(self, session: requests.Session) -> requests.Session:
        session.mount("https://", self._adapter)
        session.mount("http://", self._adapter)
        return session

    def metadata(self) -> ProviderMetadata:
        """The discovery document, fetched on first use; a failure is answered again until the back-off ends."""
        metadata = self._metadata
        if metadata is None:
            with self._discovery_lock:
                if self._metadata is None:
                    self._discovery_backoff.check()
                    try:
                        document = self.get_json(self.settings.discovery_url, "discovery",
                                                 setting=self.settings.setting("OIDC_DISCOVERY_URL"))
                        self._metadata = ProviderMetadata.from_document(document, self.settings)
                    except OIDCError as error:
                        self._discovery_backoff.failed(error)
                        provider_document_fetched.send("discovery", outcome=error.code)
                        raise
                    provider_document_fetched.send("discovery", outcome="ok")
                metadata = self._metadata
        return metadata

    def get_json(self, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        """GET a JSON object from one of the provider's endpoints, with the configured timeout."""
        return get_json(self._http, url, what, self.timeout, **kwargs)

    def signing_keys(self, kid: str | None, *, from_token_endpoint: bool = False) -> KeySet:
        """The JWKS, fetched again when it expires or lacks `kid` (see signing_keys.py for when)."""
        return self._keys.get(kid, from_token_endpoint=from_token_endpoint)

    def keys_trusted_until(self, keys: KeySet) -> float:
        """Until when a token verified with `keys` may be taken as verified."""
        return self._keys.trusted_until(keys)

    @contextmanager
    def oauth_session(self, **kwargs: Any) -> Iterator[ProviderOAuth2Session]:
        """A fresh Authlib client for one exchange (Authlib's session object keeps per-exchange state),
        over the provider's one connection pool. It is not closed afterwards: closing a requests
        Session closes its adapters, and this one's pool (the open connections to the IdP, with their
        TLS sessions) is the provider's, shared by every exchange."""
        yield self._mounted(ProviderOAuth2Session(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            token_endpoint_auth_method=self.settings.client_auth_method,
            code_challenge_method="S256",
            default_timeout=self.timeout,
            **kwargs,
        ))

    def warm_up(self) -> None:
        """Fetch discovery and keys now (best effort) and drop the connections used.

        gunicorn calls this in its master before forking workers, so every worker starts with
        both cached and none shares a socket. A provider that is down is fetched on first use.
        """
        try:
            self.signing_keys(None)
        except OIDCError as error:
            log.warning("provider %s not warmed up (%s); it will be fetched on first use", self.alias,
                        error.explanation)
        self._adapter.close()

    def hosted_ui_origin(self) -> str:
        """Cognito's hosted UI domain: the setting, else the authorization endpoint's origin."""
        if self.settings.cognito_domain:
            return self.settings.cognito_domain
        parts = urlsplit(self.metadata().authorization_endpoint)
        return f"{parts.scheme}://{parts.netloc}"
