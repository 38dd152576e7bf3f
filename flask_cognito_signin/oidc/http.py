"""Calls to the identity provider: every transport failure becomes one of our errors, with a reason.

Each call is timed and sent as the `idp_call` signal (flask_cognito_signin.signals), for the
metrics' IdP latency by endpoint kind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from flask_cognito_signin.signals import idp_call

from .errors import OIDCError, ProviderBadResponse, ProviderTimeout, ProviderUnavailable

#: The endpoint kind of each call, by the name its errors use: a fixed set, so a metric's label stays small.
ENDPOINT_KINDS = {
    "token endpoint": "token",
    "userinfo": "userinfo",
    "JWKS": "jwks",
    "discovery": "discovery",
    "revocation endpoint": "revoke",
    "ALB public key": "alb_key",
}


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Translate requests' exceptions raised while talking to `what` (e.g. "token endpoint"), and time the call.

    The outcome is "ok", the code of the error the call ended in (callers translate theirs
    inside this block, as token_endpoint does Authlib's), or "error" for anything else.
    """
    started = time.perf_counter()
    outcome = "error"
    try:
        with _translated(what):
            yield
        outcome = "ok"
    except OIDCError as error:
        outcome = error.code
        raise
    finally:
        idp_call.send(ENDPOINT_KINDS.get(what, "other"), seconds=time.perf_counter() - started, outcome=outcome)


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except requests.Timeout as error:
        raise ProviderTimeout(f"{what}: no answer in time") from error
    except requests.ConnectionError as error:
        raise ProviderUnavailable(f"{what}: connection failed ({type(error).__name__})") from error
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise ProviderBadResponse(f"{what}: HTTP {status}") from error
    except requests.RequestException as error:
        raise ProviderBadResponse(f"{what}: {type(error).__name__}") from error


def json_object(response: requests.Response, what: str) -> dict[str, Any]:
    """The body of a 200 response as a JSON object, or ProviderBadResponse saying what was wrong."""
    if response.status_code != 200:
        raise ProviderBadResponse(f"{what}: HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as error:
        raise ProviderBadResponse(f"{what}: body is not JSON") from error
    if not isinstance(body, dict):
        raise ProviderBadResponse(f"{what}: body is not a JSON object")
    return body


def get_json(http: requests.Session, url: str, what: str, timeout: float, **kwargs: Any) -> dict[str, Any]:
    with calling(what):  # the body's checks inside: an HTTP 500 is a failed call, not an "ok" one
        return json_object(http.get(url, timeout=timeout, **kwargs), what)
