"""Discovery document and JWKS on the issuer origin, endpoints on the pool's domain, as Cognito.

Cognito developer guide: "User pool endpoints and managed login reference": the
issuer and its JWKS live on cognito-idp.<region>.amazonaws.com/<pool id>, the
OAuth 2.0 endpoints and managed login on the pool's domain.
"""

from __future__ import annotations

import pytest

ISSUER = "http://127.0.0.1:9229/us-east-1_DevPool01"
DOMAIN = "http://127.0.0.1:9230"
DISCOVERY = "/us-east-1_DevPool01/.well-known/openid-configuration"
JWKS = "/us-east-1_DevPool01/.well-known/jwks.json"


def test_discovery_lists_the_domain_endpoints_as_a_current_pool_does(issuer_http):
    """A current pool's document lists end_session_endpoint (/logout) and revocation_endpoint."""
    response = issuer_http.get(DISCOVERY)
    assert response.status_code == 200
    assert response.get_json() == {
        "issuer": ISSUER,
        "authorization_endpoint": f"{DOMAIN}/oauth2/authorize",
        "token_endpoint": f"{DOMAIN}/oauth2/token",
        "userinfo_endpoint": f"{DOMAIN}/oauth2/userInfo",
        "revocation_endpoint": f"{DOMAIN}/oauth2/revoke",
        "end_session_endpoint": f"{DOMAIN}/logout",
        "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }


@pytest.mark.parametrize(
    "path",
    [
        "/oauth2/authorize",
        "/oauth2/token",
        "/oauth2/userInfo",
        "/oauth2/revoke",
        "/login",
        "/logout",
        "/error",
    ],
)
def test_the_issuer_origin_has_no_hosted_ui_or_oauth_endpoint(issuer_http, path):
    """/logout or /oauth2/revoke built from the issuer is a 404 on AWS, and here."""
    assert issuer_http.get(path).status_code == 404
    assert issuer_http.post(path).status_code == 404


@pytest.mark.parametrize("path", [DISCOVERY, JWKS])
def test_the_domain_has_no_discovery_or_jwks(http, path):
    assert http.get(path).status_code == 404


def test_issuer_ignores_host_header(issuer_http):
    doc = issuer_http.get(DISCOVERY, headers={"Host": "evil.example:8443"}).get_json()
    assert doc["issuer"] == ISSUER
    assert doc["token_endpoint"].startswith(f"{DOMAIN}/")


def test_origins_follow_the_configured_urls(make_emulator):
    apps = make_emulator(
        issuer_base_url="https://cognito-idp.localhost:7000/",
        domain_url="https://auth.localhost:7001",
    )
    doc = apps.issuer.test_client().get(DISCOVERY).get_json()
    assert doc["issuer"] == "https://cognito-idp.localhost:7000/us-east-1_DevPool01"
    assert doc["end_session_endpoint"] == "https://auth.localhost:7001/logout"


def test_jwks_publishes_two_rs256_public_keys(issuer_http):
    keys = issuer_http.get(JWKS).get_json()["keys"]
    assert len(keys) == 2
    for key in keys:
        assert set(key) == {"alg", "e", "kid", "kty", "n", "use"}
        assert (key["alg"], key["kty"], key["use"]) == ("RS256", "RSA", "sig")
    assert keys[0]["kid"] != keys[1]["kid"]


def test_unknown_pool_is_404_json(issuer_http):
    response = issuer_http.get("/us-east-1_Other/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
