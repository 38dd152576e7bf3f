"""POST /oauth2/token with the authorization_code grant: client auth, PKCE, codes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devidp.config import AppClient


@pytest.mark.parametrize("auth", ["post", "basic"])
def test_code_exchange_returns_cognito_shaped_response(hosted_ui, auth):
    response = hosted_ui.exchange(hosted_ui.sign_in(), auth=auth)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2
    assert body["refresh_token"].count(".") == 4  # an opaque JWE, as Cognito's


@pytest.mark.parametrize("auth", ["post", "basic"])
def test_wrong_secret_is_invalid_client(hosted_ui, auth):
    signed = hosted_ui.sign_in()
    wrong = AppClient(
        client_id=hosted_ui.client.client_id,
        client_secret="wrong-secret",
        callback_urls=hosted_ui.client.callback_urls,
    )
    data = {
        "grant_type": "authorization_code",
        "code": signed.code,
        "redirect_uri": signed.params["redirect_uri"],
        "code_verifier": signed.verifier,
    }
    response = hosted_ui.token(data, auth=auth, client=wrong)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client"
    # The code was not spent by the failed attempt.
    assert hosted_ui.exchange(signed).status_code == 200


@pytest.mark.parametrize("auth", ["none", "basic-unknown"])
def test_missing_or_unknown_client_is_invalid_client(hosted_ui, auth):
    signed = hosted_ui.sign_in()
    if auth == "none":
        response = hosted_ui.exchange(signed, auth="none")
    else:
        unknown = AppClient(client_id="unknown", client_secret="x", callback_urls=("https://x.example/",))
        response = hosted_ui.token(
            {"grant_type": "authorization_code", "code": signed.code}, auth="basic", client=unknown
        )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client"


def test_code_works_only_once(hosted_ui):
    signed = hosted_ui.sign_in()
    assert hosted_ui.exchange(signed).status_code == 200
    again = hosted_ui.exchange(signed)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"


def test_wrong_pkce_verifier_is_invalid_grant(hosted_ui):
    signed = hosted_ui.sign_in()
    other_verifier, _ = hosted_ui.pkce_pair()
    response = hosted_ui.exchange(signed, code_verifier=other_verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_missing_pkce_verifier_is_rejected(hosted_ui):
    signed = hosted_ui.sign_in()
    data = {
        "grant_type": "authorization_code",
        "code": signed.code,
        "redirect_uri": signed.params["redirect_uri"],
    }
    response = hosted_ui.token(data)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_code_without_pkce_works_for_confidential_client(hosted_ui):
    signed = hosted_ui.sign_in(code_challenge=None, code_challenge_method=None)
    data = {
        "grant_type": "authorization_code",
        "code": signed.code,
        "redirect_uri": signed.params["redirect_uri"],
    }
    assert hosted_ui.token(data).status_code == 200


@pytest.mark.parametrize(
    ("redirect_uri", "error"),
    [
        pytest.param("http://localhost:5000/other", "unauthorized_client", id="another-url"),
        pytest.param("http://localhost:5000/oauth/v2/callback/", "unauthorized_client", id="trailing-slash"),
        pytest.param(None, "invalid_request", id="missing"),
    ],
)
def test_redirect_uri_must_match_the_authorization_request(hosted_ui, redirect_uri, error):
    """Cognito developer guide, "Token endpoint": redirect_uri "must be the same redirect_uri
    that was used to get authorization_code"; Cognito answers another one unauthorized_client
    (the guide is silent; Stack Overflow question 50264679). The code is used up."""
    signed = hosted_ui.sign_in()
    data = {
        "grant_type": "authorization_code",
        "code": signed.code,
        "code_verifier": signed.verifier,
    }
    if redirect_uri:
        data["redirect_uri"] = redirect_uri
    response = hosted_ui.token(data)
    assert response.status_code == 400
    assert response.get_json() == {"error": error}
    retried = hosted_ui.exchange(signed)
    assert retried.get_json() == {"error": "invalid_grant"}


def test_code_of_another_client_is_invalid_grant(make_hosted_ui, pool):
    other = AppClient(
        client_id="otherclient",
        client_secret="other-secret",
        callback_urls=pool.default_client.callback_urls,
    )
    driver = make_hosted_ui(replace(pool, clients=(*pool.clients, other)))
    signed = driver.sign_in()
    data = {
        "grant_type": "authorization_code",
        "code": signed.code,
        "redirect_uri": signed.params["redirect_uri"],
        "code_verifier": signed.verifier,
    }
    response = driver.token(data, client=other)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert driver.exchange(signed).status_code == 200  # still usable by its own client


def test_expired_code_is_invalid_grant(make_hosted_ui, pool, clock):
    driver = make_hosted_ui(pool, clock=clock)
    signed = driver.sign_in()
    clock.advance(300)
    response = driver.exchange(signed)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_unknown_code_is_invalid_grant(hosted_ui):
    response = hosted_ui.token(
        {
            "grant_type": "authorization_code",
            "code": "nope",
            "redirect_uri": hosted_ui.client.callback_urls[0],
        }
    )
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        # A user-facing client is not allowed the grant ("The token endpoint": unauthorized_client).
        ({"grant_type": "client_credentials"}, "unauthorized_client"),
        ({"grant_type": "password", "username": "demo"}, "unsupported_grant_type"),
        ({}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
    ],
)
def test_bad_token_requests(hosted_ui, data, error):
    response = hosted_ui.token(data)
    assert response.status_code == 400
    assert response.get_json()["error"] == error


def test_client_without_code_flow_is_unauthorized_client(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(allowed_oauth_flows=("implicit",)))
    response = driver.token({"grant_type": "authorization_code", "code": "x"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_token_endpoint_rejects_get(http):
    response = http.get("/oauth2/token")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_public_client_uses_pkce_without_secret(make_hosted_ui, pool):
    public = AppClient(client_id="publicclient", callback_urls=("http://localhost:5000/cb",))
    driver = make_hosted_ui(replace(pool, clients=(public,)))
    signed = driver.sign_in()
    assert driver.exchange(signed, auth="none").status_code == 200
    no_pkce = driver.silent_sign_in(code_challenge=None, code_challenge_method=None)
    response = driver.exchange(no_pkce, auth="none", code_verifier="")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
