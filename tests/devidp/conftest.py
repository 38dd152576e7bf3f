"""Shared fixtures for the devidp (local Cognito emulator) tests.

``hosted_ui`` drives the emulator through Flask's test client the way a
browser and a relying party would: authorize, sign in, exchange the code.
Helpers are reached through fixtures, never imported from this module, and
test modules are named test_devidp_* so that they cannot clash with other
suites' modules whatever pytest's import mode.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devidp import EmulatorApps, create_apps
from tests.support.clock import Clock
from devidp.config import DEFAULT_CONFIG_PATH, AppClient, PoolConfig, load_config

#: The two origins, as create_apps defaults them: the issuer (Cognito's
#: cognito-idp host) and the pool's domain (hosted UI and /oauth2/*).
ISSUER_BASE_URL = "http://127.0.0.1:9229"
BASE_URL = "http://127.0.0.1:9230"
DEMO_PASSWORD = "DemoPass1!"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory):
    """One instance folder for the session, so RSA keys are generated once."""
    return tmp_path_factory.mktemp("devidp-instance")


@pytest.fixture
def pool() -> PoolConfig:
    """The checked-in demo pool (independent of any DEVIDP_CONFIG)."""
    return load_config(DEFAULT_CONFIG_PATH)


@pytest.fixture
def make_emulator(instance_dir):
    """Both apps of a fresh emulator (issuer origin and pool domain)."""

    def build(config: PoolConfig | None = None, **kwargs: Any) -> EmulatorApps:
        kwargs.setdefault("instance_path", instance_dir)
        return create_apps(config or load_config(DEFAULT_CONFIG_PATH), **kwargs)

    return build


@pytest.fixture
def make_app(make_emulator):
    """The pool-domain app of a fresh emulator."""

    def build(config: PoolConfig | None = None, **kwargs: Any) -> Flask:
        return make_emulator(config, **kwargs).domain

    return build


@pytest.fixture
def apps(make_emulator, pool) -> EmulatorApps:
    return make_emulator(pool)


@pytest.fixture
def app(apps) -> Flask:
    """The pool's domain: hosted UI and /oauth2/* endpoints."""
    return apps.domain


@pytest.fixture
def http(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def issuer_http(apps) -> FlaskClient:
    """The issuer origin: discovery document and JWKS."""
    return apps.issuer.test_client()


@pytest.fixture
def pool_with_client(pool):
    """Build the demo pool with its default client changed (e.g. lifetimes)."""

    def build(**changes: Any) -> PoolConfig:
        return replace(pool, clients=(replace(pool.default_client, **changes), *pool.clients[1:]))

    return build


@dataclass
class SignIn:
    code: str
    state: str
    nonce: str
    verifier: str
    params: dict[str, str]


class HostedUIDriver:
    """Browser + relying-party actions against the emulator's test client.

    Requests use absolute URLs on the emulator's base URL, as a browser
    would, so the hosted-UI cookie set by one request goes with the next.
    """

    def __init__(self, http: FlaskClient, client: AppClient):
        self.http = http
        self.client = client
        self.verifiers: dict[str, str] = {}  # PKCE verifier by state

    @staticmethod
    def pkce_pair() -> tuple[str, str]:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    @staticmethod
    def query(location: str) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    @staticmethod
    def path(location: str) -> str:
        return urlsplit(location).path

    def error_redirect(self, response: TestResponse) -> dict[str, str]:
        """The query of a redirect to the domain's /error page (after checking it is one),
        and the page itself answers 400 without a description."""
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.location.startswith(f"{BASE_URL}/error?"), response.location
        page = self.http.get(response.location)
        assert page.status_code == 400
        assert "An error was encountered with the requested page." in page.get_data(as_text=True)
        return self.query(response.location)

    def params(self, client: AppClient | None = None, **overrides: str | None) -> dict[str, str]:
        """Authorization parameters with PKCE; an override of None drops one."""
        client = client or self.client
        verifier, challenge = self.pkce_pair()
        params = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.callback_urls[0],
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        self.verifiers[params["state"] or ""] = verifier
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, params: dict[str, str]) -> TestResponse:
        return self.http.get(f"{BASE_URL}/oauth2/authorize?" + urlencode(params))

    def login_page(self, params: dict[str, str]) -> TestResponse:
        return self.http.get(f"{BASE_URL}/login?" + urlencode(params))

    def submit(
        self, page: TestResponse, username: str, password: str, csrf: bool = True
    ) -> TestResponse:
        body = page.get_data(as_text=True)
        action = html.unescape(_ACTION.search(body).group(1))
        form = {"username": username, "password": password}
        if csrf:
            form["csrf_token"] = _CSRF.search(body).group(1)
        return self.http.post(action, data=form)

    def sign_in(
        self, username: str = "demo", password: str = DEMO_PASSWORD, **overrides: str | None
    ) -> SignIn:
        params = self.params(**overrides)
        started = self.authorize(params)
        assert started.status_code == 302, started.get_data(as_text=True)
        assert self.path(started.location) == "/login"
        done = self.submit(self.http.get(started.location), username, password)
        assert done.status_code == 302, done.get_data(as_text=True)
        answer = self.query(done.location)
        return SignIn(
            code=answer["code"],
            state=answer.get("state", ""),
            nonce=params.get("nonce", ""),
            verifier=self.verifiers[params.get("state", "")],
            params=params,
        )

    def silent_sign_in(self, **overrides: str | None) -> SignIn:
        """Authorize with the hosted-UI cookie: the code comes without a page."""
        params = self.params(**overrides)
        response = self.authorize(params)
        answer = self.query(response.location)
        assert "code" in answer, response.location
        return SignIn(
            code=answer["code"],
            state=answer.get("state", ""),
            nonce=params.get("nonce", ""),
            verifier=self.verifiers[params.get("state", "")],
            params=params,
        )

    def token(
        self, data: dict[str, str], auth: str = "post", client: AppClient | None = None
    ) -> TestResponse:
        """POST /oauth2/token authenticating as ``client`` with ``auth``."""
        client = client or self.client
        data = dict(data)
        headers = {}
        if auth == "post":
            data.update(client_id=client.client_id, client_secret=client.client_secret or "")
        elif auth == "basic":
            raw = f"{client.client_id}:{client.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        elif auth == "none":
            data["client_id"] = client.client_id
        return self.http.post(f"{BASE_URL}/oauth2/token", data=data, headers=headers)

    def exchange(self, signed: SignIn, auth: str = "post", **overrides: str) -> TestResponse:
        data = {
            "grant_type": "authorization_code",
            "code": signed.code,
            "redirect_uri": signed.params["redirect_uri"],
            "code_verifier": signed.verifier,
        }
        data.update(overrides)
        return self.token(data, auth=auth)

    def tokens(self, **sign_in: str) -> dict[str, Any]:
        """Sign in and exchange the code: the token endpoint's JSON."""
        response = self.exchange(self.sign_in(**sign_in))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def refresh(self, refresh_token: str, auth: str = "post") -> TestResponse:
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token}, auth)

    def revoke(self, token: str, auth: str = "basic") -> TestResponse:
        client = self.client
        if auth == "basic":
            return self.http.post(
                f"{BASE_URL}/oauth2/revoke",
                data={"token": token},
                auth=(client.client_id, client.client_secret),
            )
        data = {
            "token": token,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        }
        return self.http.post(f"{BASE_URL}/oauth2/revoke", data=data)

    def userinfo(self, access_token: str, method: str = "GET") -> TestResponse:
        return self.http.open(
            f"{BASE_URL}/oauth2/userInfo",
            method=method,
            headers={"Authorization": f"Bearer {access_token}"},
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_hosted_ui(make_app):
    """A driver for a fresh emulator built from ``config`` (and ``clock``, to move time by hand)."""

    def build(
        config: PoolConfig, client: AppClient | None = None, clock: Clock | None = None
    ) -> HostedUIDriver:
        app = make_app(config, **({"clock": clock} if clock else {}))
        return HostedUIDriver(app.test_client(), client or config.default_client)

    return build


@pytest.fixture
def hosted_ui(http, pool) -> HostedUIDriver:
    return HostedUIDriver(http, pool.default_client)


@pytest.fixture
def verify_jwt(issuer_http):
    """Verify a JWT against the emulator's published JWKS; return the Token."""
    from joserfc import jwt
    from joserfc.jwk import KeySet

    jwks = issuer_http.get("/us-east-1_DevPool01/.well-known/jwks.json").get_json()
    keys = KeySet.import_key_set(jwks)

    def verify(token: str) -> jwt.Token:
        return jwt.decode(token, keys, algorithms=["RS256"])

    return verify
