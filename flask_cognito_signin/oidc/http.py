"""Calls to the identity provider: every transport failure becomes one of our errors, with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from .errors import ProviderBadResponse, ProviderTimeout, ProviderUnavailable


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Translate requests' exceptions raised while talking to `what` (e.g. "token endpoint")."""
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
    with calling(what):
        response = http.get(url, timeout=timeout, **kwargs)
    return json_object(response, what)
