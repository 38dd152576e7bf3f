"""GET|POST /oauth2/userInfo: Cognito's attribute shape and bearer-token errors."""

from __future__ import annotations

from dataclasses import replace

import pytest


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_userinfo_returns_attributes_with_string_booleans(hosted_ui, pool, method):
    access_token = hosted_ui.tokens(scope="openid")["access_token"]
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


_DEMO_PROFILE = {"name": "Demo User", "given_name": "Demo", "family_name": "User"}
_DEMO_EMAIL = {"email": "demo@example.com", "email_verified": "true"}
_DEMO_PHONE = {"phone_number": "+15555550100", "phone_number_verified": "false"}


@pytest.mark.parametrize(
    ("scope", "attributes"),
    [
        pytest.param("openid", {**_DEMO_PROFILE, **_DEMO_EMAIL, **_DEMO_PHONE}, id="openid"),
        pytest.param("openid profile", _DEMO_PROFILE, id="profile"),
        pytest.param("openid email", _DEMO_EMAIL, id="email"),
        pytest.param("openid phone", _DEMO_PHONE, id="phone"),
        pytest.param("openid email profile", {**_DEMO_PROFILE, **_DEMO_EMAIL}, id="email-profile"),
    ],
)
def test_scopes_select_the_userinfo_attributes(hosted_ui, pool, scope, attributes):
    """"The user attributes endpoint": openid alone returns every readable attribute;
    profile returns the profile attributes (not email or phone); email and phone
    add their own attributes to the basic profile (sub, username)."""
    access_token = hosted_ui.tokens(scope=scope)["access_token"]
    basic = {"sub": pool.default_user.sub, "username": "demo"}
    assert hosted_ui.userinfo(access_token).get_json() == {**basic, **attributes}


def test_profile_scope_returns_custom_attributes_the_client_may_read(make_hosted_ui, pool):
    """"openid profile ... Also returns custom attributes" (those in ReadAttributes)."""
    user = replace(
        pool.default_user, attributes={**pool.default_user.attributes, "custom:team": "blue"}
    )
    client = replace(pool.default_client, read_attributes=("name", "custom:team", "email"))
    driver = make_hosted_ui(replace(pool, users=(user, *pool.users[1:]), clients=(client,)))
    body = driver.userinfo(driver.tokens(scope="openid profile")["access_token"]).get_json()
    assert body == {"sub": user.sub, "username": "demo", "name": "Demo User", "custom:team": "blue"}


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


def test_expired_token_is_401(make_hosted_ui, pool_with_client, clock):
    driver = make_hosted_ui(pool_with_client(access_token_validity_seconds=300), clock=clock)
    access_token = driver.tokens()["access_token"]
    clock.advance(299)
    assert driver.userinfo(access_token).status_code == 200
    clock.advance(1)
    response = driver.userinfo(access_token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-authorization"),
        pytest.param({"Authorization": "Basic ZGVtbzpEZW1vUGFzczEh"}, id="basic"),
        pytest.param({"Authorization": "Bearer"}, id="bearer-without-token"),
        pytest.param({"Authorization": "Token abc"}, id="other-scheme"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_request_without_a_bearer_token_is_401_invalid_token(http, headers, method):
    """RFC 6750 section 3 and Cognito developer guide, "userInfo endpoint": 401 with
    ``WWW-Authenticate: Bearer error="invalid_token"``, never Authlib's missing_authorization."""
    response = http.open("/oauth2/userInfo", method=method, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.get_json()["error"] == "invalid_token"


def test_token_without_openid_scope_is_refused(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(allowed_scopes=("openid", "demo-api/read")))
    access_token = driver.exchange(driver.sign_in(scope="demo-api/read")).get_json()["access_token"]
    response = driver.userinfo(access_token)
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"
