"""Machine-to-machine clients: resource servers' custom scopes and the client_credentials grant.

Cognito developer guide, "The token endpoint" (client credentials) and "Scopes, M2M, and
APIs with resource servers": a client with a secret and the client_credentials flow gets an
access token for itself, with custom scopes, and nothing else.
"""

from __future__ import annotations

import base64

import pytest

MACHINE_ID = "5m2mdemoservice0client0000"
MACHINE_SECRET = "m2mdemoservicesecret0000000000000000000000000000000"
TOKEN_URL = "http://127.0.0.1:9230/oauth2/token"


@pytest.fixture
def machine(pool):
    return pool.client(MACHINE_ID)


def ask(http, scope: str | None = None, secret: str | None = MACHINE_SECRET, how: str = "basic"):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    headers = {}
    if how == "basic":
        raw = f"{MACHINE_ID}:{secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
    else:
        data.update(client_id=MACHINE_ID, **({"client_secret": secret} if secret is not None else {}))
    return http.post(TOKEN_URL, data=data, headers=headers)


def test_demo_pool_has_a_machine_client(machine):
    assert machine.allowed_oauth_flows == ("client_credentials",)
    assert machine.allowed_scopes == ("demo-api/read", "demo-api/write")


@pytest.mark.parametrize("how", ["basic", "post"])
def test_client_credentials_gives_an_access_token_without_a_user(http, verify_jwt, how):
    """"The token endpoint": the answer is access_token, token_type and expires_in only:
    no ID token and no refresh token. The token's ``sub`` is the client ID, it has
    ``client_id``, ``token_use: access`` and the scopes, and no ``username``
    ("Understanding the access token")."""
    response = ask(http, "demo-api/read", how=how)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    token = verify_jwt(body["access_token"])
    claims = token.claims
    assert set(claims) == {
        "sub", "token_use", "scope", "auth_time", "iss", "exp", "iat", "version", "jti", "client_id"
    }
    assert (claims["sub"], claims["client_id"]) == (MACHINE_ID, MACHINE_ID)
    assert (claims["token_use"], claims["scope"], claims["version"]) == ("access", "demo-api/read", 2)
    assert claims["iss"] == "http://127.0.0.1:9229/us-east-1_DevPool01"
    assert claims["exp"] - claims["iat"] == 3600


def test_no_scope_asked_gives_all_the_clients_scopes(http, verify_jwt):
    """GetClientToken / the token endpoint: "If you don't specify any scopes, Amazon
    Cognito authorizes the scopes that are configured for the app client"."""
    token = ask(http).get_json()["access_token"]
    assert verify_jwt(token).claims["scope"] == "demo-api/read demo-api/write"


@pytest.mark.parametrize("scope", ["openid", "demo-api/delete", "demo-api/read other/x", "email"])
def test_a_scope_the_client_was_not_given_is_invalid_scope(http, scope):
    response = ask(http, scope)
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_scope"})


@pytest.mark.parametrize(
    ("secret", "how"),
    [("wrong-secret", "basic"), ("wrong-secret", "post"), (None, "post"), ("", "post")],
)
def test_the_client_secret_is_required(http, secret, how):
    """"The token endpoint": client_credentials authenticates the client with its secret;
    a wrong or missing one is invalid_client, and no token."""
    response = ask(http, "demo-api/read", secret=secret, how=how)
    assert (response.status_code, response.get_json()) == (400, {"error": "invalid_client"})


def test_user_clients_are_not_allowed_the_grant(hosted_ui):
    response = hosted_ui.token({"grant_type": "client_credentials"})
    assert (response.status_code, response.get_json()) == (400, {"error": "unauthorized_client"})


def test_a_machine_client_cannot_sign_users_in(hosted_ui, machine):
    """Its only flow is client_credentials: no authorization code, no refresh."""
    response = hosted_ui.token(
        {"grant_type": "refresh_token", "refresh_token": "x"}, auth="basic", client=machine
    )
    assert response.get_json() == {"error": "unauthorized_client"}
    params = hosted_ui.params(client_id=machine.client_id)
    assert hosted_ui.error_redirect(hosted_ui.authorize(params))["error"] == "redirect_mismatch"


def test_the_token_is_not_for_userinfo_nor_revocable(http, hosted_ui):
    """userInfo needs a user's token; revocation takes refresh tokens only
    ("The token revocation endpoint": an access token is unsupported_token_type)."""
    token = ask(http).get_json()["access_token"]
    assert hosted_ui.userinfo(token).status_code == 401
    assert hosted_ui.revoke(token).get_json() == {"error": "unsupported_token_type"}
