"""Bearer access tokens on /api/*: validated locally, every failure an RFC 6750 challenge."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from tests.support.cognito import ALICE, CLIENT_ID, JWKS_URI, PoolUser, sign


def access_token(idp, user: PoolUser = ALICE, scope: str = "openid email profile", key: RSAKey | None = None,
                 header: dict | None = None, **changes) -> str:
    now = int(time.time())
    claims = idp.access_token_claims(user, scope, now, "origin-jti")
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    key = key or idp.key
    return sign(claims, key, header or {"alg": "RS256", "kid": key.kid})


def get_me(client, token: str, scheme: str = "Bearer"):
    return client.get("/api/me", headers={"Authorization": f"{scheme} {token}"})


def challenge(response) -> str:
    return response.headers["WWW-Authenticate"]


def test_a_cognito_access_token_authenticates_the_api(client, idp):
    response = get_me(client, access_token(idp))
    assert response.status_code == 200
    body = response.json
    assert body["authenticated_by"] == "bearer"
    assert body["sub"] == ALICE.sub and body["username"] == "alice" and body["groups"] == ["admins", "readers"]
    assert body["expires_at"]["session"] is None and isinstance(body["expires_at"]["access_token"], int)
    assert "Set-Cookie" not in response.headers


def test_once_warm_a_bearer_request_makes_no_call_to_the_idp(client, idp):
    token = access_token(idp)
    get_me(client, token)
    calls = len(idp.mock.calls)
    for _ in range(20):
        assert get_me(client, token).status_code == 200
    assert len(idp.mock.calls) == calls


def test_no_credentials_get_a_bare_challenge(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert challenge(response) == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    [pytest.param("Basic dXNlcjpwYXNz", id="basic"), pytest.param("Bearer ", id="empty"),
     pytest.param("Bearer", id="no-token")],
)
def test_a_malformed_authorization_header_is_a_bad_request(client, header):
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 400
    assert 'error="invalid_request"' in challenge(response)


def _other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "unknown-kid"}, private=True)


@pytest.mark.parametrize(
    "make, reason",
    [
        pytest.param(lambda idp: "not-a-token", "not a JWT", id="garbage"),
        pytest.param(lambda idp: access_token(idp, exp=int(time.time()) - 120), "expired", id="expired"),
        pytest.param(lambda idp: access_token(idp, iat=int(time.time()) + 600), "future", id="issued-in-the-future"),
        pytest.param(lambda idp: access_token(idp, iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Evil"),
                     "configured issuer", id="other-issuer"),
        pytest.param(lambda idp: access_token(idp, client_id="some-other-app"), "client", id="other-client"),
        pytest.param(lambda idp: access_token(idp, token_use="id"), "token_use", id="id-token-use"),
        pytest.param(lambda idp: access_token(idp, token_use=None), "token_use", id="no-token-use"),
        pytest.param(lambda idp: access_token(idp, key=_other_key()), "signature", id="unknown-key"),
        pytest.param(lambda idp: access_token(idp, header={"alg": "RS256", "kid": idp.key.kid},
                                              key=RSAKey.generate_key(2048, private=True)), "signature",
                     id="forged-signature"),
        pytest.param(lambda idp: jwt.encode({"alg": "HS256", "kid": idp.key.kid},
                                            idp.access_token_claims(ALICE, "openid", int(time.time()), "o"),
                                            OctKey.import_key("s" * 32)), "RS256", id="hs256"),
    ],
)
def test_a_bad_token_is_refused_with_invalid_token(client, idp, make, reason):
    response = get_me(client, make(idp))
    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)
    assert reason in challenge(response)


def test_an_id_token_is_not_an_access_token(client, idp):
    id_token = idp.issue(ALICE, nonce="n", scope="openid", with_refresh=False)["id_token"]
    response = get_me(client, id_token)
    assert response.status_code == 401 and "token_use" in challenge(response)


def test_more_client_ids_can_be_allowed(make_app, idp):
    client = make_app(API_CLIENT_IDS=f"{CLIENT_ID}, mobile-app-client").test_client()
    assert get_me(client, access_token(idp, client_id="mobile-app-client")).status_code == 200
    assert get_me(client, access_token(idp, client_id="third-app")).status_code == 401


def test_a_required_scope_missing_is_403_insufficient_scope(make_app, idp):
    client = make_app(API_REQUIRED_SCOPES="orders/read").test_client()
    response = get_me(client, access_token(idp, scope="openid email"))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in challenge(response) and "orders/read" in challenge(response)
    assert get_me(client, access_token(idp, scope="openid orders/read")).status_code == 200


def test_unknown_key_ids_refetch_the_jwks_at_most_once_a_minute(client, idp):
    get_me(client, access_token(idp))
    for _ in range(10):
        get_me(client, access_token(idp, key=_other_key()))
    assert sum(call.request.url == JWKS_URI for call in idp.mock.calls) == 1


def test_a_bearer_token_is_ignored_outside_the_api(client, idp):
    response = client.get("/", headers={"Authorization": f"Bearer {access_token(idp)}"})
    assert "You are not signed in" in response.get_data(as_text=True)


def test_a_remembered_token_is_refused_once_it_expires(client, idp, clock):
    token = access_token(idp, exp=int(clock.now) + 300, iat=int(clock.now))
    assert get_me(client, token).status_code == 200
    clock.advance(300 + 61)  # past exp and the 60 s leeway
    response = get_me(client, token)
    assert response.status_code == 401 and "expired" in challenge(response)
