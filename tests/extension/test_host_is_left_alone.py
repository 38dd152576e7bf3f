"""A guest in the host's app: the extension answers for its own routes and leaves the host's pages, handlers and headers alone."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_cognito_signin import CognitoSignIn

HOST_CSP = "default-src 'self'; img-src *"


@pytest.fixture
def host(tmp_path) -> Flask:
    app = Flask("shop", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="shop-secret-key-" + "x" * 32,
        OIDC_DISCOVERY_URL="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Shop1/.well-known/openid-configuration",
        OIDC_CLIENT_ID="shopclient", OIDC_CLIENT_SECRET="shop-secret", APP_BASE_URL="http://localhost",
    )

    @app.errorhandler(404)
    def not_found(error):
        return "Nothing on the shelf here.", 404

    @app.after_request
    def shop_headers(response):
        response.headers.setdefault("Content-Security-Policy", HOST_CSP)
        return response

    @app.get("/")
    def index():
        return {"shop": "open"}

    CognitoSignIn(app)
    return app


def test_the_hosts_pages_keep_their_own_headers_and_json(host):
    page = host.test_client().get("/")
    assert page.json == {"shop": "open"}
    assert page.headers["Content-Security-Policy"] == HOST_CSP
    assert "X-Frame-Options" not in page.headers and "Referrer-Policy" not in page.headers


def test_the_hosts_404_page_stays_the_hosts(host):
    missing = host.test_client().get("/no-such-page")
    assert missing.status_code == 404 and missing.get_data(as_text=True) == "Nothing on the shelf here."


def test_the_extensions_own_routes_answer_with_its_own_error_page_and_headers(host):
    """Even where the host has a handler for the same status code, which Flask would otherwise prefer."""
    missing = host.test_client().get("/login/no-such-provider")
    assert missing.status_code == 404
    assert "No identity provider is called" in missing.get_data(as_text=True)
    assert missing.headers["X-Frame-Options"] == "DENY"
    assert missing.headers["Content-Security-Policy"].startswith("default-src 'none'")
