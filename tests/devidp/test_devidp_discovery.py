"""Discovery document and JWKS, in Cognito's shape."""

from __future__ import annotations

ISSUER = "http://127.0.0.1:9229/us-east-1_DevPool01"
DISCOVERY = "/us-east-1_DevPool01/.well-known/openid-configuration"


def test_discovery_has_cognito_fields(http):
    response = http.get(DISCOVERY)
    assert response.status_code == 200
    doc = response.get_json()
    assert doc == {
        "issuer": ISSUER,
        "authorization_endpoint": "http://127.0.0.1:9229/oauth2/authorize",
        "token_endpoint": "http://127.0.0.1:9229/oauth2/token",
        "userinfo_endpoint": "http://127.0.0.1:9229/oauth2/userInfo",
        "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
    assert "end_session_endpoint" not in doc
    assert "revocation_endpoint" not in doc


def test_issuer_ignores_host_header(http):
    doc = http.get(DISCOVERY, headers={"Host": "evil.example:8443"}).get_json()
    assert doc["issuer"] == ISSUER
    assert doc["token_endpoint"].startswith("http://127.0.0.1:9229/")


def test_issuer_follows_base_url(make_app):
    app = make_app(base_url="http://localhost:7000/")
    doc = app.test_client().get(DISCOVERY).get_json()
    assert doc["issuer"] == "http://localhost:7000/us-east-1_DevPool01"


def test_jwks_publishes_two_rs256_public_keys(http):
    keys = http.get("/us-east-1_DevPool01/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 2
    for key in keys:
        assert set(key) == {"alg", "e", "kid", "kty", "n", "use"}
        assert (key["alg"], key["kty"], key["use"]) == ("RS256", "RSA", "sig")
    assert keys[0]["kid"] != keys[1]["kid"]


def test_unknown_pool_is_404_json(http):
    response = http.get("/us-east-1_Other/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
