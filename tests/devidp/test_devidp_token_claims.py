"""The ID and access tokens' claims, verified against the published JWKS."""

from __future__ import annotations

import base64
import hashlib
import time

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


def test_email_scope_narrows_id_token_attributes(hosted_ui, verify_jwt):
    tokens = hosted_ui.tokens(scope="openid email")
    claims = verify_jwt(tokens["id_token"]).claims
    assert claims["email"] == "demo@example.com"
    assert "name" not in claims and "phone_number" not in claims
    assert verify_jwt(tokens["access_token"]).claims["scope"] == "openid email"


def test_without_openid_there_is_no_id_token(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(allowed_scopes=("openid", "email")))
    response = driver.exchange(driver.sign_in(scope="email"))
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
