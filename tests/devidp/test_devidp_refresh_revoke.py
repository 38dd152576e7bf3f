"""The refresh_token grant and /oauth2/revoke, as Cognito documents them.

Cognito developer guide: "Refresh tokens" (shape, rotation) and "The token
revocation endpoint" (status codes and bodies).
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from devidp.config import AppClient

REVOKE = "http://127.0.0.1:9230/oauth2/revoke"


def test_refresh_token_is_a_jwe_of_cognitos_size(hosted_ui):
    """"Refresh tokens": an encrypted JWE, five base64url parts, about 1.8 kB."""
    refresh_token = hosted_ui.tokens()["refresh_token"]
    parts = refresh_token.split(".")
    assert len(parts) == 5 and all(parts)
    assert 1700 <= len(refresh_token) <= 1900
    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    assert header == {"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}
    assert hosted_ui.tokens(prompt="login")["refresh_token"] != refresh_token


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
    # Without rotation (the default), the refresh token stays valid.
    assert hosted_ui.refresh(first["refresh_token"]).status_code == 200


def _rotating(make_hosted_ui, pool_with_client, clock, grace: int):
    return make_hosted_ui(
        pool_with_client(
            refresh_token_rotation=True, refresh_token_retry_grace_period_seconds=grace
        ),
        clock=clock,
    )


def test_rotation_returns_a_new_refresh_token_expiring_with_the_original(
    make_hosted_ui, pool_with_client, clock
):
    """"Refresh tokens", rotation: a new refresh token on each refresh, valid for the
    remaining duration of the original."""
    driver = _rotating(make_hosted_ui, pool_with_client, clock, grace=0)
    first = driver.tokens()["refresh_token"]
    clock.advance(86400)
    rotated = driver.refresh(first).get_json()
    assert set(rotated) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    second = rotated["refresh_token"]
    assert second != first and len(second.split(".")) == 5
    clock.advance(30 * 86400 - 86400 - 1)  # one second before the original's expiry
    third = driver.refresh(second)
    assert third.status_code == 200, third.get_json()
    clock.advance(1)
    assert driver.refresh(third.get_json()["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_rotation_without_grace_invalidates_the_old_token_at_once(
    make_hosted_ui, pool_with_client, clock
):
    """RetryGracePeriodSeconds 0: "a successful request immediately invalidates" it."""
    driver = _rotating(make_hosted_ui, pool_with_client, clock, grace=0)
    first = driver.tokens()["refresh_token"]
    assert driver.refresh(first).status_code == 200
    again = driver.refresh(first)
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")


def test_rotation_keeps_the_old_token_for_the_grace_period(
    make_hosted_ui, pool_with_client, clock
):
    """The old refresh token "can remain valid for a period of time of up to 60 seconds"."""
    driver = _rotating(make_hosted_ui, pool_with_client, clock, grace=30)
    first = driver.tokens()["refresh_token"]
    assert driver.refresh(first).status_code == 200
    clock.advance(29)
    assert driver.refresh(first).status_code == 200  # a client-side retry
    clock.advance(1)
    assert driver.refresh(first).get_json()["error"] == "invalid_grant"


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


def test_expired_refresh_token_is_invalid_grant(make_hosted_ui, pool_with_client, clock):
    driver = make_hosted_ui(pool_with_client(refresh_token_validity_seconds=3600), clock=clock)
    refresh_token = driver.tokens()["refresh_token"]
    clock.advance(3599)
    assert driver.refresh(refresh_token).status_code == 200
    clock.advance(1)
    assert driver.refresh(refresh_token).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_revoke_invalidates_refresh_token_and_its_access_tokens(hosted_ui, auth):
    first = hosted_ui.tokens()
    refreshed = hosted_ui.refresh(first["refresh_token"]).get_json()
    unrelated = hosted_ui.tokens(prompt="login")  # another sign-in, another origin
    response = hosted_ui.revoke(first["refresh_token"], auth=auth)
    assert (response.status_code, response.get_data()) == (200, b"")  # an empty body
    for access_token in (first["access_token"], refreshed["access_token"]):
        denied = hosted_ui.userinfo(access_token)
        assert denied.status_code == 401
        assert denied.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    again = hosted_ui.refresh(first["refresh_token"])
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")
    assert hosted_ui.userinfo(unrelated["access_token"]).status_code == 200
    assert hosted_ui.refresh(unrelated["refresh_token"]).status_code == 200


def test_revoking_an_unknown_token_is_200_with_no_effect(hosted_ui):
    """"HTTP 200 if ... the client submitted an invalid token"."""
    tokens = hosted_ui.tokens()
    response = hosted_ui.revoke("unknown-token")
    assert (response.status_code, response.get_data()) == (200, b"")
    assert hosted_ui.refresh(tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("kind", ["access_token", "id_token"])
def test_revoking_an_access_or_id_token_is_unsupported_token_type(hosted_ui, kind):
    """"HTTP 400 and error unsupported_token_type ... if the token ... is not a refresh token"."""
    tokens = hosted_ui.tokens()
    response = hosted_ui.revoke(tokens[kind])
    assert (response.status_code, response.get_json()["error"]) == (400, "unsupported_token_type")
    assert hosted_ui.userinfo(tokens["access_token"]).status_code == 200


@pytest.mark.parametrize(
    "credentials", [("8ohtby26b3atnvdl6izvl1ewju", "wrong"), ("unknown-client", "secret")]
)
def test_revoke_with_bad_client_credentials_is_401_invalid_client(hosted_ui, credentials):
    """"HTTP 401 and error invalid_client ... if the client credentials are invalid"."""
    refresh_token = hosted_ui.tokens()["refresh_token"]
    response = hosted_ui.http.post(REVOKE, data={"token": refresh_token}, auth=credentials)
    assert (response.status_code, response.get_json()["error"]) == (401, "invalid_client")
    assert hosted_ui.refresh(refresh_token).status_code == 200


def test_token_endpoint_answers_bad_client_credentials_with_400(hosted_ui):
    """"The token endpoint": its errors, invalid_client included, are 400."""
    response = hosted_ui.http.post(
        "http://127.0.0.1:9230/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(hosted_ui.client.client_id, "wrong"),
    )
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_client")


def test_revoke_without_token_is_invalid_request(hosted_ui):
    client = hosted_ui.client
    response = hosted_ui.http.post(
        REVOKE, auth=(client.client_id, client.client_secret)
    )
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_request")


def test_other_client_cannot_use_or_revoke_the_refresh_token(make_hosted_ui, pool):
    other = AppClient(
        client_id="otherclient", client_secret="other-secret", callback_urls=("https://other.example/cb",)
    )
    driver = make_hosted_ui(replace(pool, clients=(*pool.clients, other)))
    refresh_token = driver.tokens()["refresh_token"]
    stolen = driver.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token}, client=other
    )
    assert stolen.get_json()["error"] == "invalid_grant"
    revoke = driver.http.post(
        REVOKE,
        data={"token": refresh_token},
        auth=(other.client_id, other.client_secret),
    )
    assert revoke.status_code == 400
    assert driver.refresh(refresh_token).status_code == 200
