"""Calls to the identity provider: every transport failure becomes one of our errors, with a reason.

Each call is timed and sent as the `idp_call` signal (flask_cognito_signin.signals), for the
metrics' IdP latency by endpoint kind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session

from flask_cognito_signin.signals import idp_call

from . import faults
from .errors import OIDCError, ProviderBadResponse

#: The endpoint kind of each call, by the name its errors use: a fixed set, so a metric's label stays small.
ENDPOINT_KINDS = {
    "token endpoint": "token",
    "userinfo": "userinfo",
    "JWKS": "jwks",
    "discovery": "discovery",
    "revocation endpoint": "revoke",
    "ALB public key": "alb_key",
}


#: Origins whose environment settings a process remembers: a provider's two or three hosts, with room to spare.
_REMEMBERED_ORIGINS = 64


class EnvironmentReadOnce:
    """A requests.Session mixin: the proxy and CA-bundle variables read once per origin, not on every call.

    requests' merge_environment_settings walks the environment (the proxy variables, no_proxy,
    REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) on each request, 80 µs here: about as much CPU as the
    rest of this app's work for a token request. A server's environment does not change while it
    runs, and what those variables give a request depends on its origin and on the session's own
    settings only, so the answer is remembered under both. A call with settings of its own
    (proxies, verify, cert) takes requests' own path.
    """

    _by_origin: ClassVar[dict[tuple, dict[str, Any]]] = {}  # shared by every session, like the environment

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if proxies or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, tuple(sorted(self.proxies.items())), str(self.verify), str(self.cert),
               self.stream if stream is None else stream)
        merged = self._by_origin.get(key)
        if merged is None:
            merged = super().merge_environment_settings(url, {}, stream, None, None)
            if len(self._by_origin) < _REMEMBERED_ORIGINS:
                self._by_origin[key] = merged
        return {**merged, "proxies": dict(merged["proxies"])}  # a copy: requests may change what it is given


class ProviderSession(EnvironmentReadOnce, requests.Session):
    """The session for discovery and JWKS fetches."""


class ProviderOAuth2Session(EnvironmentReadOnce, OAuth2Session):
    """Authlib's client for the token, userinfo and revocation endpoints."""


@contextmanager
def calling(what: str, url: str, setting: str | None = None) -> Iterator[None]:
    """Translate requests' exceptions raised while talking to `what` (e.g. "token endpoint") at `url`, and time
    the call. `setting` names the setting the URL comes from, for the fix a failure names (faults.py).

    The outcome is "ok", the code of the error the call ended in (callers translate theirs
    inside this block, as token_endpoint does Authlib's), or "error" for anything else.
    """
    started = time.perf_counter()
    outcome = "error"
    try:
        with _translated(what, url, setting):
            yield
        outcome = "ok"
    except OIDCError as error:
        outcome = error.code
        raise
    finally:
        idp_call.send(ENDPOINT_KINDS.get(what, "other"), seconds=time.perf_counter() - started, outcome=outcome)


@contextmanager
def _translated(what: str, url: str, setting: str | None) -> Iterator[None]:
    try:
        yield
    except requests.Timeout as error:
        raise faults.timed_out(what, url) from error
    except requests.ConnectionError as error:
        raise faults.connection_failed(what, url, error, setting) from error
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else 0
        raise faults.error_status(what, url, status, setting) from error
    except requests.RequestException as error:
        raise ProviderBadResponse(f"{what} at {url}: {type(error).__name__}") from error


def json_object(response: requests.Response, what: str, url: str, setting: str | None = None) -> dict[str, Any]:
    """The body of a 200 response as a JSON object, or the error saying what was wrong (faults.py)."""
    if response.status_code != 200:
        raise faults.error_status(what, url, response.status_code, setting)
    try:
        body = response.json()
    except ValueError as error:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
        raise faults.not_json(what, url, f"with a body that is not JSON ({kind})", setting) from error
    if not isinstance(body, dict):
        raise faults.not_json(what, url, "with JSON that is not an object", setting)
    return body


def get_json(http: requests.Session, url: str, what: str, timeout: float, *, setting: str | None = None,
             **kwargs: Any) -> dict[str, Any]:
    with calling(what, url, setting):  # the body's checks inside: an HTTP 500 is a failed call, not an "ok" one
        return json_object(http.get(url, timeout=timeout, **kwargs), what, url, setting)
