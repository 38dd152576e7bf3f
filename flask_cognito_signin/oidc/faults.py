"""What a failed call to the identity provider means, and what fixes it, said in the error itself.

A developer meets a failed sign-in as one log line (and, in debug mode, the error page), so
each error names its cause (which call, which URL, what came back) and the fix (the setting
to check, the service to start). Only faults that pass on their own (a timeout, an HTTP 5xx,
a remote host refusing connections) are called temporary; a 4xx at the discovery URL, a host
name that does not resolve or a refused certificate are settings to correct.

`setting` is the setting that names the URL called, as the user wrote it (OIDC_DISCOVERY_URL,
or a providers file's discovery_url), or None for URLs the discovery document gave.
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import requests

from flask_cognito_signin.settings import is_loopback_host

from .errors import (
    OIDCError,
    ProviderAddressError,
    ProviderBadResponse,
    ProviderConfigurationError,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnavailable,
)

_FROM_DISCOVERY = "the discovery document names it, so the identity provider itself is misconfigured"


def timed_out(what: str, url: str) -> ProviderTimeout:
    return ProviderTimeout(
        f"{what}: {_origin(url)} did not answer in time",
        fix=f"if it lasts, check that this host reaches {_origin(url)} (proxy, firewall) or raise OIDC_HTTP_TIMEOUT",
    )


def connection_failed(what: str, url: str, error: requests.ConnectionError, setting: str | None) -> OIDCError:
    """A host name that does not resolve, a refused certificate, a refused or broken connection."""
    parts, where = urlsplit(url), setting or "the URL the discovery document gives"
    if isinstance(error, requests.exceptions.SSLError) or _caused_by(error, ssl.SSLError):
        return ProviderAddressError(
            f"{what}: TLS with {parts.hostname} failed ({_reason(error, ssl.SSLError)})",
            fix="its certificate is not trusted here: for a private CA, point REQUESTS_CA_BUNDLE at its bundle",
        )
    if _caused_by(error, socket.gaierror):
        return ProviderAddressError(
            f"{what}: the host name {parts.hostname} does not resolve",
            fix=f"check the host in {where} (a typo, or another region than the pool's); "
                "if it is right, this host's DNS is failing",
        )
    if _caused_by(error, ConnectionRefusedError):
        if is_loopback_host(parts.hostname):
            return ProviderAddressError(
                f"{what}: nothing listens at {parts.netloc} (connection refused)",
                fix=f"start the identity provider there (the local emulator: python -m devidp) or correct {where}",
            )
        return ProviderUnavailable(f"{what}: {parts.netloc} refused the connection",
                                   fix=f"the identity provider is down or {where} names the wrong port")
    return ProviderUnavailable(f"{what}: the connection to {_origin(url)} failed ({type(error).__name__})",
                               fix=f"the identity provider is unreachable: check this host's network and {where}")


def error_status(what: str, url: str, status: int, setting: str | None) -> OIDCError:
    """An HTTP error status where a JSON answer was expected."""
    if status >= 500:
        return ProviderServerError(f"{what} at {url} answered HTTP {status}",
                                   fix="the identity provider is failing; if it lasts, check its status page")
    if what == "discovery":
        found = "not found" if status == 404 else f"refused (HTTP {status})"
        return ProviderConfigurationError(
            f"discovery document {found} at {url}",
            fix=f"check {setting or 'the discovery URL'} (the region and user pool id in it)",
        )
    if what == "JWKS":
        return ProviderBadResponse(f"JWKS not served at {url} (HTTP {status})", fix=_FROM_DISCOVERY)
    return ProviderBadResponse(f"{what} at {url} answered HTTP {status}",
                               fix=f"{what} refused the request; {_FROM_DISCOVERY} or a proxy is in the way")


def not_json(what: str, url: str, why: str, setting: str | None) -> OIDCError:
    """A 200 answer whose body is not the JSON object the protocol says (a web page, a list)."""
    if what == "discovery":
        return ProviderConfigurationError(
            f"the discovery URL {url} serves no discovery document: it answered {why}",
            fix=f"{setting or 'the discovery URL'} must be the issuer followed by /.well-known/openid-configuration",
        )
    return ProviderBadResponse(f"{what} at {url} answered {why}", fix=_FROM_DISCOVERY)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and what it wraps: requests holds urllib3's error in args, urllib3 the OS error in `reason`
    and as the cause."""
    seen: list[BaseException] = []
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if isinstance(current, BaseException) and current not in seen:
            seen.append(current)
            pending += [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
    return seen


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(link, kind) for link in _chain(error))


def _reason(error: BaseException, kind: type[BaseException]) -> str:
    """The words of the first `kind` of error in the chain, cut short (a certificate error names the failed check)."""
    found = next((link for link in _chain(error) if isinstance(link, kind)), error)
    return " ".join(str(found).split())[:200] or type(found).__name__
