"""The session page, /api/me, /healthz, error pages, headers, and cookies that were tampered with."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from flask_cognito_signin.sessions import StoreUnavailable
from tests.conftest import AuthActions, install_clock


def test_signed_out_the_page_offers_the_sign_in_button(client):
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<a class="[^"]*button[^"]*" href="/login">Sign in with Cognito</a>', text)
    assert "<form" not in text and "<script" not in text


def test_signed_in_the_page_shows_who_groups_expiry_claims_and_a_sign_out_form(auth, client):
    auth.sign_in()
    text = client.get("/").get_data(as_text=True)
    assert 'id="username">alice<' in text
    assert "alice@example.com" in text and ">verified<" in text
    assert "<li>admins</li><li>readers</li>" in text
    for expiry in ("session-idle-expires", "session-expires", "access-token-expires", "id-token-expires"):
        assert re.search(rf'id="{expiry}">\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in ', text)
    assert "<code>cognito:username</code>" in text and "<code>token_use</code>" in text
    assert re.search(r'<form method="post" action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]+">',
                     text)
    assert "<script" not in text


def test_api_me_signed_out_is_401_json_with_a_challenge(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_me_signed_in_describes_the_user(auth, client):
    auth.sign_in()
    me = client.get("/api/me").json
    assert set(me) == {"kind", "provider", "sub", "username", "email", "email_verified", "groups", "claims",
                       "userinfo", "authenticated_by", "expires_at"}
    assert me["kind"] == "user" and me["provider"] == "cognito"
    assert me["authenticated_by"] == "session"
    assert me["claims"]["cognito:username"] == "alice"
    assert set(me["expires_at"]) == {"session", "access_token", "id_token"}
    assert all(isinstance(value, int) for value in me["expires_at"].values())


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_every_response_carries_the_security_headers(client):
    headers = client.get("/").headers
    assert "script-src" not in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", headers["X-Request-ID"])


def test_the_stylesheet_is_served_by_the_app(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and "text/css" in response.content_type


def test_unknown_pages_use_the_error_page_and_json_under_api(client):
    page = client.get("/nope")
    assert page.status_code == 404 and "Back to the start page" in page.get_data(as_text=True)
    api = client.get("/api/nope")
    assert api.status_code == 404 and api.json["error"] == "not_found"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("garbage", id="garbage"),
        pytest.param("a" * 43 + "." + "b" * 43, id="bad-signature"),
        pytest.param("", id="empty"),
    ],
)
def test_a_tampered_cookie_means_signed_out(auth, app, value):
    browser = app.test_client()
    browser.set_cookie("__Host-cognito_session", value, domain="rp.example.com", secure=True)
    assert "You are not signed in" in browser.get("/").get_data(as_text=True)
    assert browser.get("/api/me").status_code == 401


def test_a_cookie_with_a_changed_id_does_not_reach_another_session(auth, app, client):
    auth.sign_in()
    session_id, signature = client.get_cookie("__Host-cognito_session", domain="rp.example.com").value.split(".")
    forged = ("A" if session_id[0] != "A" else "B") + session_id[1:] + "." + signature
    browser = app.test_client()
    browser.set_cookie("__Host-cognito_session", forged, domain="rp.example.com", secure=True)
    assert browser.get("/api/me").status_code == 401


class BrokenStore:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StoreUnavailable("store is down")
        return fail


def test_a_session_store_that_is_down_answers_503_not_500(auth, app, client):
    auth.sign_in()
    app.session_interface.store = BrokenStore()
    app.extensions["cognito_signin"] = replace(app.extensions["cognito_signin"], store=app.session_interface.store)
    page = client.get("/")
    assert page.status_code == 503 and "session store" in page.get_data(as_text=True)
    assert client.get("/login").status_code == 503
    assert client.get("/api/me").status_code == 503


def test_answers_that_read_the_session_vary_on_cookie_and_others_do_not(auth, client):
    anonymous = client.get("/healthz").headers
    assert "Vary" not in anonymous and "Set-Cookie" not in anonymous
    auth.sign_in()
    assert client.get("/api/me").headers.get_all("Vary") == ["Cookie"]


def test_claims_only_userinfo_has_are_shown_and_marked_as_from_userinfo(make_app, idp):
    """A claim only userinfo returns (a non-Cognito profile, or Cognito's with OIDC_USERINFO=always) is part of the profile."""
    client = make_app(OIDC_USERINFO="always").test_client()
    auth = AuthActions(client, idp)
    idp.userinfo_overrides = {"custom:tenant": "acme", "email": "someone-else@example.com"}
    auth.sign_in()
    me = client.get("/api/me").json
    assert me["userinfo"]["custom:tenant"] == "acme"
    assert "custom:tenant" not in me["claims"], "userinfo claims are never mixed into the signed ID token claims"
    assert "email" not in me["userinfo"] and me["email"] == "alice@example.com", "the ID token wins where both say"
    page = client.get("/").get_data(as_text=True)
    assert "From userinfo" in page and "custom:tenant" in page and "acme" in page


def test_userinfo_claims_survive_a_token_refresh(make_app, idp):
    app = make_app(OIDC_USERINFO="always")
    client = app.test_client()
    auth = AuthActions(client, idp)
    clock = install_clock(app, idp)
    idp.userinfo_overrides = {"custom:tenant": "acme"}
    auth.sign_in()
    clock.advance(3600 - 30)
    me = client.get("/api/me").json
    assert idp.grants_of_type("refresh_token") == 1
    assert me["userinfo"]["custom:tenant"] == "acme"
