"""Which sign-in an authorization request gets: the pool's page, or one of its identity providers.

Cognito developer guide, "Authorize endpoint": ``identity_provider`` names a provider (COGNITO:
the pool's own sign-in page) and ``idp_identifier`` one of a provider's identifiers; either must
be one of the app client's supported identity providers (its SupportedIdentityProviders),
else the hosted UI says "Login option is not available. Please try another one". These tests
never reach a provider (its issuer is a closed port); test_devidp_federation.py signs in
through one.
"""

from __future__ import annotations

import html
import re
import socket
from dataclasses import replace

import pytest

from devidp.config import IdentityProvider
from devidp.federation import FEDERATION_SECONDS, LOGIN_OPTION_NOT_AVAILABLE
from devidp.store import MemoryStore

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _provider(name: str, **changes) -> IdentityProvider:
    return IdentityProvider(
        name=name,
        issuer=f"http://127.0.0.1:{_closed_port()}/us-east-1_{name}",
        client_id=f"{name.lower()}client",
        client_secret="ProviderSecret000000000001",
        **changes,
    )


@pytest.fixture
def federated_pool(pool):
    """The demo pool with providers Corp (identifier corp.example) and Other; the default
    client supports COGNITO and Corp, a second one Corp only."""
    client = replace(pool.default_client, supported_identity_providers=("COGNITO", "Corp"))
    corp_only = replace(
        pool.default_client,
        client_id="corponlyclient",
        name="corp-only",
        supported_identity_providers=("Corp",),
    )
    return replace(
        pool,
        clients=(client, corp_only, *pool.clients[1:]),
        identity_providers=(
            _provider("Corp", idp_identifiers=("corp.example",)),
            _provider("Other"),
        ),
    )


@pytest.fixture
def driver(make_hosted_ui, federated_pool):
    return make_hosted_ui(federated_pool)


@pytest.fixture
def corp_only(driver, federated_pool):
    return federated_pool.client("corponlyclient")


@pytest.mark.parametrize(
    "choice",
    [
        {"identity_provider": "Nope"},
        {"identity_provider": "corp"},  # names are case-sensitive
        {"identity_provider": "Other"},  # in the pool, not the client's
        {"idp_identifier": "nobody.example"},
    ],
    ids=["unknown", "case", "not-the-clients", "unknown-identifier"],
)
def test_a_provider_the_client_does_not_have_ends_on_the_error_page(driver, choice):
    """The browser lands on the domain's /error page with Cognito's message, never at a
    provider and never at the client."""
    answer = driver.error_redirect(driver.authorize(driver.params(**choice)))
    assert answer == {"error": LOGIN_OPTION_NOT_AVAILABLE, "client_id": driver.client.client_id}


def test_cognito_names_the_pools_own_sign_in_page(driver):
    answer = driver.authorize(driver.params(identity_provider="COGNITO"))
    assert answer.status_code == 302 and driver.path(answer.location) == "/login"


def test_a_client_without_cognito_has_no_password_sign_in(driver, corp_only):
    """SupportedIdentityProviders without COGNITO: identity_provider=COGNITO is refused,
    the sign-in page offers the client's providers only, and a password posted anyway is
    refused (with a valid CSRF token and a valid password)."""
    refused = driver.authorize(driver.params(corp_only, identity_provider="COGNITO"))
    assert driver.error_redirect(refused)["error"] == LOGIN_OPTION_NOT_AVAILABLE

    page = driver.login_page(driver.params(corp_only))
    body = page.get_data(as_text=True)
    assert "Sign in with your corporate ID" in body and 'name="password"' not in body

    # A CSRF token of this browser's session, from a page that has the form.
    csrf = _CSRF.search(driver.login_page(driver.params()).get_data(as_text=True)).group(1)
    posted = driver.http.post(
        page.request.url, data={"csrf_token": csrf, "username": "demo", "password": "DemoPass1!"}
    )
    assert driver.error_redirect(posted)["error"] == LOGIN_OPTION_NOT_AVAILABLE


def test_the_sign_in_page_links_to_the_clients_providers(driver):
    """Cognito's hosted UI shows a button per provider of the client, next to the form:
    each link is the same authorization request with identity_provider set."""
    params = driver.params()
    body = driver.login_page(params).get_data(as_text=True)
    links = [html.unescape(href) for href in re.findall(r'class="provider" href="([^"]+)"', body)]
    assert len(links) == 1 and links[0].startswith("http://127.0.0.1:9230/oauth2/authorize?")
    assert driver.query(links[0]) == {**params, "identity_provider": "Corp"}
    assert ">Corp</a>" in body and ">Other</a>" not in body
    assert 'name="password"' in body  # the client supports COGNITO too


def test_an_unreachable_provider_sends_the_client_invalid_request(driver):
    """The provider's discovery document cannot be read: the client gets invalid_request
    with its state (Cognito developer guide, "Authorize endpoint": errors in calling the
    provider reach the client's redirect_uri)."""
    params = driver.params(identity_provider="Corp")
    answer = driver.authorize(params)
    assert answer.status_code == 302
    assert answer.location.startswith(driver.client.callback_urls[0] + "?")
    assert driver.query(answer.location) == {"error": "invalid_request", "state": params["state"]}


def test_a_sign_in_at_a_provider_is_answered_once_and_within_its_time(clock):
    """The provider's answer finds the waiting authorization request once, and only within
    FEDERATION_SECONDS: a late or replayed answer signs nobody in."""
    store = MemoryStore(clock)
    first = store.start_federation("Corp", {"client_id": "abc"}, FEDERATION_SECONDS)
    assert first.request == {"client_id": "abc"} and first.state != first.nonce
    assert store.take_federation(first.state) == first
    assert store.take_federation(first.state) is None

    late = store.start_federation("Corp", {"client_id": "abc"}, FEDERATION_SECONDS)
    clock.advance(FEDERATION_SECONDS)
    assert store.take_federation(late.state) is None
