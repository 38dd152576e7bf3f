"""The ID and access tokens' claims, verified against the published JWKS."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import replace

import pytest

ISSUER = "http://127.0.0.1:9229/us-east-1_DevPool01"


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_id_token_claims(hosted_ui, pool, verify_jwt):
    signed = hosted_ui.sign_in()
    tokens = hosted_ui.exchange(signed).get_json()
    token = verify_jwt(tokens["id_token"])
    claims = token.claims
    demo = pool.default_user
    assert token.header["alg"] == "RS256" and token.header["kid"]
    assert claims["iss"] == ISSUER
    assert claims["aud"] == hosted_ui.client.client_id  # a string, as Cognito's
    assert claims["sub"] == demo.sub
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == "demo"
    assert claims["cognito:groups"] == ["admins", "readers"]
    assert claims["email"] == "demo@example.com"
    assert claims["email_verified"] is True
    assert claims["nonce"] == signed.nonce
    assert claims["at_hash"] == _at_hash(tokens["access_token"])
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 5
    assert claims["auth_time"] <= claims["iat"]
    for name in ("jti", "origin_jti", "event_id"):
        assert isinstance(claims[name], str) and claims[name]


def test_access_token_claims(hosted_ui, pool, verify_jwt):
    tokens = hosted_ui.tokens()
    token = verify_jwt(tokens["access_token"])
    claims = token.claims
    assert "aud" not in claims
    assert claims["iss"] == ISSUER
    assert claims["sub"] == pool.default_user.sub
    assert claims["token_use"] == "access"
    assert claims["client_id"] == hosted_ui.client.client_id
    assert claims["scope"] == "openid email profile"
    assert claims["username"] == "demo"
    assert claims["cognito:groups"] == ["admins", "readers"]
    assert claims["version"] == 2
    assert claims["exp"] - claims["iat"] == 3600
    for name in ("jti", "origin_jti", "event_id", "auth_time"):
        assert claims[name]
    id_claims = verify_jwt(tokens["id_token"]).claims
    assert claims["origin_jti"] == id_claims["origin_jti"]
    assert claims["event_id"] == id_claims["event_id"]
    assert claims["jti"] != id_claims["jti"]


def test_id_and_access_tokens_use_different_keys(hosted_ui, verify_jwt):
    tokens = hosted_ui.tokens()
    id_kid = verify_jwt(tokens["id_token"]).header["kid"]
    access_kid = verify_jwt(tokens["access_token"]).header["kid"]
    assert id_kid != access_kid


def test_user_without_groups_has_no_groups_claim(hosted_ui, verify_jwt):
    tokens = hosted_ui.tokens(username="guest", password="GuestPass1!")
    id_claims = verify_jwt(tokens["id_token"]).claims
    assert "cognito:groups" not in id_claims
    assert "cognito:groups" not in verify_jwt(tokens["access_token"]).claims
    assert id_claims["email_verified"] is False


def test_nonce_is_absent_when_not_sent(hosted_ui, verify_jwt):
    tokens = hosted_ui.tokens(nonce=None)
    assert "nonce" not in verify_jwt(tokens["id_token"]).claims


@pytest.mark.parametrize("scope", ["openid", "openid email", "openid profile", "openid phone"])
def test_id_token_carries_every_readable_attribute_whatever_the_scopes(
    hosted_ui, verify_jwt, scope
):
    """"Understanding the identity (ID) token": the ID token holds the attributes the
    client can read; the email/phone/profile scopes narrow userInfo only."""
    tokens = hosted_ui.tokens(scope=scope)
    claims = verify_jwt(tokens["id_token"]).claims
    assert claims["email"] == "demo@example.com" and claims["email_verified"] is True
    assert claims["name"] == "Demo User" and claims["given_name"] == "Demo"
    assert claims["phone_number"] == "+15555550100" and claims["phone_number_verified"] is False
    assert verify_jwt(tokens["access_token"]).claims["scope"] == scope


def test_id_token_leaves_out_what_the_client_may_not_read(make_hosted_ui, pool, verify_jwt):
    """ReadAttributes: the client's read permissions bound the ID token; custom
    attributes need one, the default covers the standard attributes."""
    user = replace(
        pool.default_user, attributes={**pool.default_user.attributes, "custom:team": "blue"}
    )
    default_client = pool.default_client
    narrow = replace(default_client, read_attributes=("email", "email_verified", "custom:team"))
    for client, expected in (
        (default_client, {"name": "Demo User", "email": "demo@example.com"}),
        (narrow, {"custom:team": "blue", "email": "demo@example.com"}),
    ):
        driver = make_hosted_ui(replace(pool, users=(user, *pool.users[1:]), clients=(client,)))
        claims = verify_jwt(driver.tokens()["id_token"]).claims
        assert {k: claims[k] for k in expected} == expected
        assert ("custom:team" in claims) is (client is narrow)
        assert ("name" in claims) is (client is default_client)


def test_without_openid_there_is_no_id_token(make_hosted_ui, pool_with_client):
    """A custom scope alone (email, phone and profile need openid: test_devidp_authorize.py)."""
    driver = make_hosted_ui(pool_with_client(allowed_scopes=("openid", "demo-api/read")))
    response = driver.exchange(driver.sign_in(scope="demo-api/read"))
    assert response.status_code == 200
    assert "id_token" not in response.get_json()


def test_no_scope_means_all_allowed_scopes(hosted_ui, verify_jwt):
    tokens = hosted_ui.tokens(scope=None)
    scope = verify_jwt(tokens["access_token"]).claims["scope"]
    assert set(scope.split()) == {"openid", "email", "profile", "phone"}


def test_lifetimes_follow_the_client(make_hosted_ui, pool_with_client, verify_jwt):
    driver = make_hosted_ui(
        pool_with_client(id_token_validity_seconds=600, access_token_validity_seconds=300)
    )
    tokens = driver.tokens()
    assert tokens["expires_in"] == 300
    id_claims = verify_jwt(tokens["id_token"]).claims
    access_claims = verify_jwt(tokens["access_token"]).claims
    assert id_claims["exp"] - id_claims["iat"] == 600
    assert access_claims["exp"] - access_claims["iat"] == 300
