"""Bearer access tokens on /api/*: validated locally, every failure an RFC 6750 challenge."""

from __future__ import annotations

import base64
import json
import logging
import re
import time

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from flask_cognito_signin.authz import bearer_challenge
from flask_cognito_signin.oidc.errors import TokenFault
from tests.support.cognito import ALICE, CLIENT_ID, JWKS_URI, FakeCognito, Pool, PoolUser, sign


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


# Hostile key ids: a well-formed 401 with a fixed description, whatever the header holds ----------

#: RFC 6750 3: what an error_description may contain.
_CHALLENGE = re.compile(r'^Bearer realm="api", error="invalid_token", error_description="([\x20\x21\x23-\x5b\x5d-\x7e]+)"$')


@pytest.mark.parametrize(
    "kid",
    [
        pytest.param("a\r\nX-Injected: 1", id="crlf"),
        pytest.param("a\nb", id="lf"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("clé-日本", id="non-ascii"),
        pytest.param('a"b\\c\'d', id="quotes"),
        pytest.param("k" * 4096, id="4kB"),
        pytest.param(123, id="number"),
        pytest.param({"kid": "x"}, id="object"),
    ],
)
def test_a_hostile_kid_gets_a_well_formed_401(client, idp, caplog, kid):
    caplog.set_level(logging.DEBUG)
    token = with_header(access_token(idp), {"alg": "RS256", "kid": kid})
    response = get_me(client, token)
    assert response.status_code == 401
    assert response.json["error"] == "invalid_token"
    match = _CHALLENGE.match(challenge(response))
    assert match, challenge(response)
    assert match.group(1) in {fault.value for fault in TokenFault}
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    logged = [record for record in caplog.records if getattr(record, "event", None) == "bearer_refused"]
    assert logged and all(token not in repr(vars(record)) for record in caplog.records)


def with_header(token: str, header: dict) -> str:
    """The token with another protected header (the signature no longer matches; joserfc would not encode these)."""
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return encoded + token[token.index("."):]


def test_every_fault_description_is_a_valid_error_description():
    for fault in TokenFault:
        assert re.fullmatch(r"[\x20\x21\x23-\x5b\x5d-\x7e]+", fault.value), fault


def test_a_challenge_never_carries_characters_outside_rfc_6750():
    with Flask(__name__).test_request_context():
        header = bearer_challenge("invalid_token", 'bad "quote" \\ \r\n é').headers["WWW-Authenticate"]
    assert header == 'Bearer realm="api", error="invalid_token", error_description="bad quote   "'


# Audiences: RFC 9068 access tokens from other providers must be for this API -------------------

OTHER_ISSUER = "https://op.example.org"
API = "https://api.example.com"


@pytest.fixture
def other_op(idp) -> FakeCognito:
    """A provider that is not Cognito, on the same mock and key."""
    return FakeCognito(idp.mock, idp.key, Pool(issuer=OTHER_ISSUER, domain="https://op.example.org")).install()


def rfc9068_token(op: FakeCognito, *, typ: str = "at+jwt", **changes) -> str:
    now = int(time.time())
    claims = {"iss": op.pool.issuer, "sub": ALICE.sub, "client_id": op.pool.client_id, "scope": "openid",
              "aud": API, "iat": now, "exp": now + 600, "jti": "at-1", **changes}
    return sign({name: value for name, value in claims.items() if value is not None}, op.key,
                {"alg": "RS256", "kid": op.key.kid, "typ": typ})


def other_op_client(make_app, op: FakeCognito, **settings: str):
    return make_app(OIDC_DISCOVERY_URL=op.pool.discovery_url, **settings).test_client()


@pytest.mark.parametrize("aud", [API, [API], ["https://other-api.example.com", API]])
def test_an_at_jwt_token_for_this_api_is_accepted(make_app, other_op, aud):
    client = other_op_client(make_app, other_op, API_AUDIENCE=f"{API}, urn:orders")
    assert get_me(client, rfc9068_token(other_op, aud=aud)).status_code == 200


@pytest.mark.parametrize(
    "settings, aud",
    [
        pytest.param({"API_AUDIENCE": API}, "https://other-api.example.com", id="another-api"),
        pytest.param({"API_AUDIENCE": API}, ["https://other-api.example.com"], id="another-api-in-a-list"),
        pytest.param({"API_AUDIENCE": API}, None, id="no-aud"),
        pytest.param({"API_AUDIENCE": API}, [], id="empty-aud"),
        pytest.param({}, API, id="api-audience-not-set"),
    ],
)
def test_an_at_jwt_token_not_for_this_api_is_refused(make_app, other_op, settings, aud):
    client = other_op_client(make_app, other_op, **settings)
    response = get_me(client, rfc9068_token(other_op, aud=aud))
    assert response.status_code == 401
    assert challenge(response).endswith(f'error_description="{TokenFault.AUDIENCE.value}"')


def test_a_token_use_access_token_with_an_aud_must_name_this_api(make_app, other_op):
    client = other_op_client(make_app, other_op, API_AUDIENCE=API)
    for aud, status in (("https://other-api.example.com", 401), (API, 200)):
        token = rfc9068_token(other_op, typ="JWT", token_use="access", aud=aud)
        assert get_me(client, token).status_code == status


def test_cognito_access_tokens_need_no_aud_when_api_audience_is_set(make_app, idp):
    client = make_app(API_AUDIENCE=API).test_client()
    assert get_me(client, access_token(idp)).status_code == 200
    assert get_me(client, access_token(idp, aud="https://other-api.example.com")).status_code == 401
