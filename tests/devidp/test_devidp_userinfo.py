"""GET|POST /oauth2/userInfo: Cognito's attribute shape and bearer-token errors."""

from __future__ import annotations

import time

import pytest


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_userinfo_returns_attributes_with_string_booleans(hosted_ui, pool, method):
    access_token = hosted_ui.tokens()["access_token"]
    response = hosted_ui.userinfo(access_token, method=method)
    assert response.status_code == 200
    assert response.get_json() == {
        "sub": pool.default_user.sub,
        "email": "demo@example.com",
        "email_verified": "true",
        "username": "demo",
        "name": "Demo User",
        "given_name": "Demo",
        "family_name": "User",
        "phone_number": "+15555550100",
        "phone_number_verified": "false",
    }


def test_unverified_email_is_the_string_false(hosted_ui):
    access_token = hosted_ui.tokens(username="guest", password="GuestPass1!")["access_token"]
    body = hosted_ui.userinfo(access_token).get_json()
    assert body["email_verified"] == "false"
    assert body["username"] == "guest"


def test_email_scope_limits_attributes(hosted_ui, pool):
    access_token = hosted_ui.tokens(scope="openid email")["access_token"]
    assert hosted_ui.userinfo(access_token).get_json() == {
        "sub": pool.default_user.sub,
        "email": "demo@example.com",
        "email_verified": "true",
        "username": "demo",
    }


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJ0b2tlbl91c2UiOiJhY2Nlc3MifQ."],
)
def test_bad_token_is_401_invalid_token(hosted_ui, token):
    response = hosted_ui.userinfo(token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.get_json()["error"] == "invalid_token"


def test_id_token_is_not_an_access_token(hosted_ui):
    id_token = hosted_ui.tokens()["id_token"]
    response = hosted_ui.userinfo(id_token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_token_signed_with_other_keys_is_rejected(hosted_ui, make_app, pool, tmp_path):
    other_keys = make_app(pool, instance_path=tmp_path).test_client()
    foreign = type(hosted_ui)(other_keys, hosted_ui.client).tokens()["access_token"]
    assert hosted_ui.userinfo(foreign).status_code == 401


def test_expired_token_is_401(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(access_token_validity_seconds=1))
    access_token = driver.tokens()["access_token"]
    time.sleep(1.1)
    response = driver.userinfo(access_token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_missing_authorization_is_401(http):
    response = http.get("/oauth2/userInfo")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_token_without_openid_scope_is_refused(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(allowed_scopes=("openid", "email")))
    access_token = driver.exchange(driver.sign_in(scope="email")).get_json()["access_token"]
    response = driver.userinfo(access_token)
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
