"""CognitoSignIn's options: the sign-in routes under a prefix (the redirect URI follows), and another API prefix."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from flask_cognito_signin import CognitoSignIn, ConfigError, login_required
from flask_cognito_signin.testing import pool


@pytest.fixture
def cognito_pool():
    return pool(url_prefix="/auth")


def make_app(emulator, tmp_path, **options) -> Flask:
    app = Flask("their_app", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(emulator.app_config(), SECRET_KEY="their-secret-key-" + "x" * 32)
    CognitoSignIn(app, **options)

    @app.get("/v1/orders")
    @login_required
    def orders():
        return {"orders": []}

    @app.get("/api/not-the-api")
    @login_required
    def not_the_api():
        return "page"

    return app


def test_the_sign_in_routes_and_the_redirect_uri_follow_the_url_prefix(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path, url_prefix="/auth").test_client()
    assert client.get("/login").status_code == 404
    login = client.get("/auth/login")
    redirect_uri = parse_qs(urlsplit(login.headers["Location"]).query)["redirect_uri"]
    assert redirect_uri == ["http://localhost/auth/oauth/v2/callback"]
    cognito_emulator.sign_in(client)
    assert client.get("/v1/orders").status_code == 200


def test_the_api_prefix_decides_where_guards_answer_json(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path, url_prefix="/auth", api_prefix="/v1/").test_client()
    api = client.get("/v1/orders")
    assert api.status_code == 401 and api.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    page = client.get("/api/not-the-api")
    assert page.status_code == 302 and page.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize("options", [{"url_prefix": "auth"}, {"url_prefix": "/auth/"}, {"api_prefix": "/v1"}])
def test_a_malformed_prefix_is_a_configuration_error(cognito_emulator, tmp_path, options):
    with pytest.raises(ConfigError, match="CognitoSignIn"):
        make_app(cognito_emulator, tmp_path, **options)
