"""GET /oauth2/authorize: Cognito's validation, and where it sends the browser."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest


def test_valid_request_without_session_goes_to_login_with_same_params(hosted_ui):
    params = hosted_ui.params()
    response = hosted_ui.authorize(params)
    assert response.status_code == 302
    assert response.location.startswith("http://127.0.0.1:9230/login?")
    assert hosted_ui.query(response.location) == params


def test_unknown_client_gets_error_page_not_redirect(hosted_ui):
    response = hosted_ui.authorize(hosted_ui.params(client_id="unknownclient"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    body = response.get_data(as_text=True)
    assert "invalid_client" in body
    assert "Local Cognito emulator" in body


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/callback",
        "http://localhost:5000/oauth/v2/callback/",  # not an exact match
        "http://localhost:5000/oauth/v2/callback?x=1",
        None,  # Cognito requires redirect_uri
    ],
)
def test_redirect_mismatch_never_redirects(hosted_ui, redirect_uri):
    response = hosted_ui.authorize(hosted_ui.params(redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_mismatch" in response.get_data(as_text=True)


def test_scope_not_allowed_for_client_redirects_invalid_scope(
    hosted_ui, make_hosted_ui, pool_with_client
):
    narrow = make_hosted_ui(pool_with_client(allowed_scopes=("openid", "email")))
    for driver, scope in ((hosted_ui, "openid admin"), (narrow, "openid profile")):
        params = driver.params(scope=scope, state="st-1")
        response = driver.authorize(params)
        assert response.status_code == 302
        assert response.location.startswith(params["redirect_uri"] + "?")
        answer = driver.query(response.location)
        assert (answer["error"], answer["state"]) == ("invalid_scope", "st-1")


def test_unsupported_response_type_redirects_with_error(hosted_ui):
    response = hosted_ui.authorize(hosted_ui.params(response_type="token", state="s"))
    assert hosted_ui.query(response.location)["error"] == "unsupported_response_type"


def test_client_without_code_flow_is_unauthorized(make_hosted_ui, pool_with_client):
    driver = make_hosted_ui(pool_with_client(allowed_oauth_flows=("implicit",)))
    response = driver.authorize(driver.params())
    assert driver.query(response.location)["error"] == "unauthorized_client"


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},
        {"code_challenge": "too-short"},
    ],
)
def test_pkce_must_be_s256(hosted_ui, pkce):
    response = hosted_ui.authorize(hosted_ui.params(**pkce))
    assert response.status_code == 302
    assert hosted_ui.query(response.location)["error"] == "invalid_request"


def test_prompt_none_without_session_is_login_required(hosted_ui):
    response = hosted_ui.authorize(hosted_ui.params(prompt="none"))
    assert hosted_ui.query(response.location)["error"] == "login_required"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "response_type=%22%C3%A9&client_id=8ohtby26b3atnvdl6izvl1ewju",
        "client_id=%22%C3%A9&response_type=code",
        "response_type=code&response_type=code&client_id=x",
        "scope=%00&response_type=code",
    ],
)
def test_malformed_requests_get_an_error_page_not_a_500(http, query):
    for path in ("/oauth2/authorize", "/login"):
        response = http.get(f"{path}?{query}")
        assert response.status_code == 400
        assert "Traceback" not in response.get_data(as_text=True)


def test_multiple_state_values_are_rejected(hosted_ui):
    params = hosted_ui.params()
    response = hosted_ui.http.get(
        "/oauth2/authorize?" + urlencode(params) + "&" + urlencode({"state": "second"})
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.get_data(as_text=True)
