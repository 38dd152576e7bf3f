"""The refresh_token grant and /oauth2/revoke (RFC 7009, with Cognito's origin_jti)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from devidp.config import AppClient


@pytest.mark.parametrize("auth", ["post", "basic"])
def test_refresh_returns_new_tokens_but_no_new_refresh_token(hosted_ui, verify_jwt, auth):
    first = hosted_ui.tokens()
    response = hosted_ui.refresh(first["refresh_token"], auth=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"id_token", "access_token", "expires_in", "token_type"}
    assert body["access_token"] != first["access_token"]
    old_id = verify_jwt(first["id_token"]).claims
    new_id = verify_jwt(body["id_token"]).claims
    assert new_id["origin_jti"] == old_id["origin_jti"]
    assert new_id["auth_time"] == old_id["auth_time"]
    assert new_id["jti"] != old_id["jti"]
    assert "nonce" not in new_id
    assert hosted_ui.userinfo(body["access_token"]).status_code == 200
    # The refresh token stays valid (Cognito does not rotate it).
    assert hosted_ui.refresh(first["refresh_token"]).status_code == 200


def test_refresh_with_narrower_scope(hosted_ui, verify_jwt):
    first = hosted_ui.tokens()
    response = hosted_ui.token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "openid"}
    )
    assert verify_jwt(response.get_json()["access_token"]).claims["scope"] == "openid"
    wider = hosted_ui.token(
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "scope": "openid phone",
        }
    )
    assert (wider.status_code, wider.get_json()["error"]) == (400, "invalid_scope")


def test_unknown_refresh_token_is_invalid_grant(hosted_ui):
    response = hosted_ui.refresh("not-a-refresh-token")
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_grant")


def test_expired_refresh_token_is_invalid_grant(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(refresh_token_validity_seconds=1))
    refresh_token = driver.tokens()["refresh_token"]
    time.sleep(1.1)
    assert driver.refresh(refresh_token).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_revoke_invalidates_refresh_token_and_its_access_tokens(hosted_ui, auth):
    first = hosted_ui.tokens()
    refreshed = hosted_ui.refresh(first["refresh_token"]).get_json()
    unrelated = hosted_ui.tokens(prompt="login")  # another sign-in, another origin
    response = hosted_ui.revoke(first["refresh_token"], auth=auth)
    assert response.status_code == 200
    for access_token in (first["access_token"], refreshed["access_token"]):
        denied = hosted_ui.userinfo(access_token)
        assert denied.status_code == 401
        assert denied.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    again = hosted_ui.refresh(first["refresh_token"])
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")
    assert hosted_ui.userinfo(unrelated["access_token"]).status_code == 200
    assert hosted_ui.refresh(unrelated["refresh_token"]).status_code == 200


def test_revoking_unknown_or_access_token_is_a_no_op(hosted_ui):
    tokens = hosted_ui.tokens()
    assert hosted_ui.revoke("unknown-token").status_code == 200
    assert hosted_ui.revoke(tokens["access_token"]).status_code == 200
    assert hosted_ui.userinfo(tokens["access_token"]).status_code == 200


def test_revoke_needs_client_authentication(hosted_ui):
    refresh_token = hosted_ui.tokens()["refresh_token"]
    response = hosted_ui.http.post(
        "http://127.0.0.1:9229/oauth2/revoke",
        data={"token": refresh_token},
        auth=(hosted_ui.client.client_id, "wrong"),
    )
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_client")
    assert hosted_ui.refresh(refresh_token).status_code == 200


def test_revoke_without_token_is_invalid_request(hosted_ui):
    client = hosted_ui.client
    response = hosted_ui.http.post(
        "http://127.0.0.1:9229/oauth2/revoke", auth=(client.client_id, client.client_secret)
    )
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_request")


def test_other_client_cannot_use_or_revoke_the_refresh_token(make_hosted_ui, pool):
    other = AppClient(
        client_id="otherclient", client_secret="other-secret", callback_urls=("http://x/cb",)
    )
    driver = make_hosted_ui(replace(pool, clients=(*pool.clients, other)))
    refresh_token = driver.tokens()["refresh_token"]
    stolen = driver.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token}, client=other
    )
    assert stolen.get_json()["error"] == "invalid_grant"
    revoke = driver.http.post(
        "http://127.0.0.1:9229/oauth2/revoke",
        data={"token": refresh_token},
        auth=(other.client_id, other.client_secret),
    )
    assert revoke.status_code == 400
    assert driver.refresh(refresh_token).status_code == 200
