"""GET /login: the authorization request, the return-to path, and an IdP that is down or wrong."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from flask_cognito_signin.oidc.backoff import RETRY_INTERVAL
from tests.conftest import AuthActions, relative
from tests.support.cognito import CLIENT_ID, DISCOVERY_URL, DOMAIN, REDIRECT_URI


def authorization_params(response) -> dict[str, str]:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{DOMAIN}/oauth2/authorize"
    params = parse_qs(location.query)
    assert all(len(values) == 1 for values in params.values()), "no parameter may be repeated"
    return {name: values[0] for name, values in params.items()}


def test_login_redirects_to_the_authorization_endpoint_with_state_nonce_and_pkce(auth):
    params = authorization_params(auth.start())
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 30 and len(params["nonce"]) >= 30
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256 digest
    assert "client_secret" not in params


def test_every_login_gets_its_own_state_nonce_and_verifier(auth):
    first, second = authorization_params(auth.start()), authorization_params(auth.start())
    for name in ("state", "nonce", "code_challenge"):
        assert first[name] != second[name]


def test_the_verifier_sent_to_the_token_endpoint_matches_the_challenge(auth, idp):
    login = auth.start()
    challenge = authorization_params(login)["code_challenge"]
    callback = idp.authorize(login.headers["Location"])
    assert auth.client.get(relative(callback)).status_code == 302
    verifier = parse_qs(idp.token_requests[-1].body)["code_verifier"][0]
    assert 43 <= len(verifier) <= 128
    assert base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode() == challenge


def test_scopes_come_from_the_setting(make_app, idp):
    client = make_app(OIDC_SCOPES="openid email phone").test_client()
    assert authorization_params(client.get("/login"))["scope"] == "openid email phone"


def test_login_sets_only_the_pending_sign_in_cookie_and_no_session(auth):
    """Nothing is stored for a browser before its sign-in succeeds: /login sets no session cookie."""
    cookies = auth.start().headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("__Host-cognito_pending.")


def test_sign_in_sets_only_a_signed_random_id_in_a_hardened_cookie(auth):
    (cookie,) = [c for c in auth.sign_in().headers.getlist("Set-Cookie") if c.startswith("__Host-cognito_session=")]
    for flag in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax"):
        assert flag in cookie
    assert "Domain=" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    session_id, signature = value.split(".")
    assert len(session_id) == 43 and len(signature) == 43


def test_http_base_url_gives_plain_cookies_without_secure(make_app, idp):
    auth = AuthActions(make_app(APP_BASE_URL="http://localhost:5000").test_client(), idp)
    login = auth.client.get("/login", base_url="http://localhost:5000")
    (pending,) = login.headers.getlist("Set-Cookie")
    assert pending.startswith("cognito_pending.") and "Secure" not in pending and "HttpOnly" in pending
    callback = auth.client.get(relative(idp.authorize(login.headers["Location"])), base_url="http://localhost:5000")
    session = next(c for c in callback.headers.getlist("Set-Cookie") if c.startswith("cognito_session="))
    assert "Secure" not in session and "HttpOnly" in session


def test_login_on_another_loopback_name_moves_to_the_configured_one(make_app, idp):
    client = make_app(APP_BASE_URL="http://localhost:5000").test_client()
    response = client.get("/login?next=/reports", base_url="http://127.0.0.1:5000")
    assert response.status_code == 302
    assert response.headers["Location"] == "http://localhost:5000/login?next=/reports"
    assert "Set-Cookie" not in response.headers


def test_discovery_is_fetched_once_and_cached(auth, idp):
    for _ in range(3):
        auth.start()
    assert sum(call.request.url == DISCOVERY_URL for call in idp.mock.calls) == 1


@pytest.mark.parametrize(
    "failure, status, text",
    [
        pytest.param(requests.ConnectionError("refused"), 502, "could not be reached", id="unreachable"),
        pytest.param(requests.ConnectTimeout("slow"), 504, "did not answer in time", id="timeout"),
        pytest.param(responses.Response(responses.GET, DISCOVERY_URL, status=503), 502, "try again in a moment",
                     id="http-503"),
        pytest.param(responses.Response(responses.GET, DISCOVERY_URL, body="<html>"), 502, "An administrator must",
                     id="not-json"),
        pytest.param(responses.Response(responses.GET, DISCOVERY_URL, json=[1]), 502, "An administrator must",
                     id="json-array"),
    ],
)
def test_an_idp_that_is_down_or_broken_gets_a_clear_page_and_no_session(client, idp, failure, status, text, caplog):
    idp.mock.remove(responses.GET, DISCOVERY_URL)
    if isinstance(failure, Exception):
        idp.mock.add(responses.GET, DISCOVERY_URL, body=failure)
    else:
        idp.mock.add(failure)
    response = client.get("/login")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert [r for r in caplog.records if getattr(r, "event", None) == "login_failed"]


def test_login_works_once_the_idp_is_back(client, idp, clock):
    idp.mock.remove(responses.GET, DISCOVERY_URL)
    idp.mock.add(responses.GET, DISCOVERY_URL, body=requests.ConnectionError("refused"))
    assert client.get("/login").status_code == 502
    idp.mock.remove(responses.GET, DISCOVERY_URL)
    idp.mock.add(responses.GET, DISCOVERY_URL, json=idp.document)
    assert client.get("/login").status_code == 502, "a failed discovery is not tried again at once"
    clock.advance(RETRY_INTERVAL)
    assert authorization_params(client.get("/login"))["client_id"] == CLIENT_ID


@pytest.mark.parametrize(
    "change, text",
    [
        pytest.param({"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "issuer", id="issuer"),
        pytest.param({"token_endpoint_auth_methods_supported": ["client_secret_basic"]}, "client_secret_post",
                     id="auth-method"),
        pytest.param({"id_token_signing_alg_values_supported": ["HS256"]}, "RS256", id="signing-alg"),
        pytest.param({"authorization_endpoint": "http://evil.example.com/authorize"}, "https", id="http-endpoint"),
        pytest.param({"token_endpoint": None}, "token_endpoint", id="no-token-endpoint"),
    ],
)
def test_a_discovery_document_that_does_not_fit_is_a_configuration_error(client, idp, change, text, caplog):
    idp.document = {k: v for k, v in {**idp.document, **change}.items() if v is not None}
    response = client.get("/login")
    assert response.status_code == 502
    assert any(text in str(getattr(record, "fields", {}).get("detail")) for record in caplog.records)
