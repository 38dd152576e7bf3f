"""Fixtures shared by the relying party's tests: a clean environment, a Cognito pool on `responses`, the app."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from joserfc.jwk import RSAKey
from werkzeug.test import TestResponse

from app import create_app
from tests.support.clock import Clock
from tests.support.cognito import (
    ALICE,
    APP_BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    DISCOVERY_URL,
    FakeCognito,
    PoolUser,
)

#: Variables the app reads; a developer's own values must never leak into a test.
_APP_VARIABLE = re.compile(
    r"^(OIDC_|COGNITO_|SESSION_|APP_|API_|SECRET_KEY$|FLASK_|TRUST|TOKEN_|FRESH_LOGIN_|REQUESTS_CA_BUNDLE$)")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if _APP_VARIABLE.match(name):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "test-key-1"}, private=True)


@pytest.fixture
def idp(signing_key: RSAKey) -> Iterator[FakeCognito]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeCognito(mock, signing_key).install()


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """A complete, valid environment for a Cognito pool, as a user's .env would hold it."""
    return {
        "SECRET_KEY": "test-secret-key-" + "0" * 32,
        "OIDC_DISCOVERY_URL": DISCOVERY_URL,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "APP_BASE_URL": APP_BASE_URL,
        "SESSION_STORE_URL": f"sqlite:///{tmp_path / 'sessions.db'}",
    }


class RPClient(FlaskClient):
    """A test client that talks to the app at APP_BASE_URL (https), as browsers do."""

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", APP_BASE_URL)
        return super().open(*args, **kwargs)


@pytest.fixture
def make_app(environ: dict[str, str]) -> Callable[..., Flask]:
    def make(**overrides: str) -> Flask:
        app = create_app({**environ, **overrides})
        app.config["TESTING"] = True
        app.test_client_class = RPClient
        return app

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token_of(page: TestResponse) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def relative(url: str) -> str:
    """The path and query of a URL on the app, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class AuthActions:
    """Drives the real flow: /login, the IdP's answer, the callback."""

    def __init__(self, client: FlaskClient, idp: FakeCognito):
        self.client = client
        self.idp = idp

    def start(self, next_path: str | None = None) -> TestResponse:
        return self.client.get("/login", query_string={"next": next_path} if next_path is not None else None)

    def callback_url(self, next_path: str | None = None, user: PoolUser = ALICE) -> str:
        login = self.start(next_path)
        assert login.status_code == 302, login.get_data(as_text=True)
        return self.idp.authorize(login.headers["Location"], user)

    def sign_in(self, next_path: str | None = None, user: PoolUser = ALICE) -> TestResponse:
        return self.client.get(relative(self.callback_url(next_path, user)))

    def sign_out(self) -> TestResponse:
        token = csrf_token_of(self.client.get("/"))
        return self.client.post("/logout", data={"csrf_token": token})


def install_clock(app: Flask, idp: FakeCognito) -> Clock:
    """One hand-moved clock for the app, its session store and the IdP: time travel for timeouts and expiry."""
    clock = Clock()
    app.session_interface.clock = clock
    app.session_interface.store.clock = clock
    for provider in app.extensions["cognito_signin"].providers.values():
        provider.clock = clock
    idp.clock = clock
    return clock


@pytest.fixture
def clock(app: Flask, idp: FakeCognito) -> Clock:
    return install_clock(app, idp)


@pytest.fixture
def auth(client: FlaskClient, idp: FakeCognito) -> AuthActions:
    return AuthActions(client, idp)
