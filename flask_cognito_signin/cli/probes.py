"""The app client as the provider itself judges it, asked the way the app will ask: no AWS API, no browser.

Two requests that cannot sign anyone in, each answered with the provider's verdict on one
part of the set-up:

- the token endpoint, sent a made-up code with the app's client authentication: invalid_grant
  means the client id, secret and method were accepted (only the code was refused),
  invalid_client that they were not (RFC 6749 5.2; Cognito developer guide, "The token issuer
  endpoint");
- the authorize endpoint, sent the sign-in request /login sends: a Cognito user pool (and the
  emulator) sends a browser with a redirect_uri not registered for the client to its /error
  page with `redirect_mismatch`, and never to that URI (Cognito developer guide, "The redirect
  and authorization endpoint"). Other providers answer this in pages of their own, so for them
  this check is skipped.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from flask_cognito_signin.settings import Settings

from ..oidc import OIDCError, Provider
from ..oidc.errors import ClientRejected, GrantRejected
from ..oidc.http import calling
from ..oidc.signin import authorization_error, begin_sign_in
from ..oidc.token_endpoint import exchange_code
from .findings import Finding, fail, ok, skip


def check_client_authentication(provider: Provider, settings: Settings) -> list[Finding]:
    """Redeem a made-up code: the provider authenticates the client before it looks at the code."""
    client = f"app client {provider.settings.client_id} ({provider.settings.client_auth_method})"
    try:
        exchange_code(provider, code="flask-oidc-check-" + secrets.token_urlsafe(16),
                      code_verifier=secrets.token_urlsafe(48), redirect_uri=settings.redirect_uri)
    except GrantRejected:
        return [ok(f"client authentication works: the token endpoint accepted {client} and refused only the "
                   "made-up code it was sent")]
    except ClientRejected as error:
        if error.error == "unauthorized_client":  # authenticated, but not allowed the grant
            return [ok(f"client authentication works for {client}"), fail(error.explanation)]
        return [fail(f"client authentication failed: {error.explanation}")]
    except OIDCError as error:
        return [fail(f"client authentication not checked: {error.explanation}")]
    return [fail("the token endpoint redeemed a made-up authorization code: this provider must not be trusted")]


def check_callback_registered(provider: Provider, settings: Settings) -> list[Finding]:
    """Send /login's authorization request and read where the provider would send the browser."""
    redirect_uri = settings.redirect_uri
    if not provider.metadata().is_cognito:
        return [skip(f"callback URL {redirect_uri} not checked at the authorize endpoint: only a Cognito user "
                     "pool says redirect_mismatch the same documented way")]
    url, _ = begin_sign_in(provider, redirect_uri, "/")
    try:
        with calling("authorization endpoint", url), requests.Session() as browser:
            answer = browser.get(url, allow_redirects=False, timeout=provider.timeout)
    except OIDCError as error:
        return [fail(f"callback URL not checked: {error.explanation}")]
    target = urljoin(url, answer.headers.get("Location", ""))
    error = dict(parse_qsl(urlsplit(target).query)).get("error")
    client = provider.settings.client_id
    if answer.is_redirect and _is_error_page(target, url):
        if error == "redirect_mismatch":
            return [fail(f"callback URL {redirect_uri} is not registered for app client {client} (the authorize "
                         "endpoint answers redirect_mismatch, and the browser would stop on its error page): add it "
                         "to the app client's callback URLs (the emulator: the client's callback_urls in its pool "
                         "file), or set APP_BASE_URL to the app's address there")]
        if error == "invalid_client":
            return [fail(f"the user pool has no app client {client} (the authorize endpoint answers "
                         f"invalid_client): check {provider.settings.setting('OIDC_CLIENT_ID')}")]
        return [fail(f"the authorize endpoint refuses the sign-in request ({error or 'no error named'})")]
    if answer.is_redirect and target.startswith(redirect_uri + "?"):
        registered = ok(f"callback URL {redirect_uri} is registered for app client {client}")
        if error:
            return [registered, fail(authorization_error(provider, error[:100], "").explanation)]
        return [registered]
    if answer.is_redirect or answer.status_code == 200:
        return [ok(f"callback URL {redirect_uri} is registered for app client {client}: the authorize endpoint "
                   "accepts the sign-in request")]
    return [fail(f"the authorize endpoint at {url.split('?')[0]} answered HTTP {answer.status_code}")]


def _is_error_page(target: str, authorization_url: str) -> bool:
    """The pool domain's /error page (where Cognito ends requests it will not send back to the client)."""
    page, endpoint = urlsplit(target), urlsplit(authorization_url)
    return page.netloc == endpoint.netloc and page.path.rstrip("/").endswith("/error")
