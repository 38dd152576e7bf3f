"""GET /oauth2/authorize: Cognito's validation, and where it sends the browser."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import urlencode

import pytest

BASE_URL = "http://127.0.0.1:9230"


def test_valid_request_without_session_goes_to_login_with_same_params(hosted_ui):
    params = hosted_ui.params()
    response = hosted_ui.authorize(params)
    assert response.status_code == 302
    assert response.location.startswith("http://127.0.0.1:9230/login?")
    assert hosted_ui.query(response.location) == params


def test_unknown_client_goes_to_the_error_page_not_the_redirect_uri(hosted_ui):
    """Cognito developer guide, "Authorize endpoint": errors go to the client's
    redirect_uri only when client_id and redirect_uri are valid; else the domain's /error."""
    response = hosted_ui.authorize(hosted_ui.params(client_id="unknownclient"))
    assert hosted_ui.error_redirect(response) == {
        "error": "invalid_client",
        "client_id": "unknownclient",
    }
    page = hosted_ui.http.get(response.location).get_data(as_text=True)
    assert "invalid_client" in page and "Local Cognito emulator" in page


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/callback",
        "http://localhost:5000/oauth/v2/callback/",  # not an exact match
        "http://localhost:5000/oauth/v2/callback?x=1",
        None,  # Cognito requires redirect_uri
    ],
)
def test_redirect_mismatch_goes_to_the_error_page(hosted_ui, redirect_uri):
    """Cognito developer guide, "Authorize endpoint": an unregistered redirect_uri
    ends on https://<domain>/error?error=redirect_mismatch&client_id=..., as on AWS,
    never at that URI, and without error_description."""
    for path in ("/oauth2/authorize", "/login"):
        response = hosted_ui.http.get(
            BASE_URL + path + "?" + urlencode(hosted_ui.params(redirect_uri=redirect_uri))
        )
        assert hosted_ui.error_redirect(response) == {
            "error": "redirect_mismatch",
            "client_id": hosted_ui.client.client_id,
        }


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
        assert answer == {"error": "invalid_scope", "state": "st-1"}


@pytest.mark.parametrize(
    ("flows", "response_type", "error"),
    [
        pytest.param(("code",), None, "invalid_request", id="missing"),
        pytest.param(("code",), "", "invalid_request", id="empty"),
        pytest.param(("code",), "token", "unauthorized_client", id="token-for-a-code-client"),
        pytest.param(("implicit",), "code", "unauthorized_client", id="code-for-an-implicit-client"),
        pytest.param(("code",), "id_token", "unsupported_response_type", id="not-code-or-token"),
        pytest.param(("code", "implicit"), "token", "unsupported_response_type", id="implicit-not-emulated"),
    ],
)
def test_response_type_errors_as_cognito_names_them(make_hosted_ui, pool_with_client, flows, response_type, error):
    """Cognito developer guide, "Authorize endpoint" (negative responses): "if response_type is
    not included" is invalid_request; "code" or "token" without the permission for it is
    unauthorized_client; both go to the redirect_uri with the state, and no code is given."""
    driver = make_hosted_ui(pool_with_client(allowed_oauth_flows=flows))
    params = driver.params(response_type=response_type, state="st-9")
    for path in ("/oauth2/authorize", "/login"):
        response = driver.http.get(BASE_URL + path + "?" + urlencode(params))
        assert response.status_code == 302
        assert response.location.startswith(params["redirect_uri"] + "?")
        assert driver.query(response.location) == {"error": error, "state": "st-9"}


@pytest.mark.parametrize(
    "scope",
    ["email", "profile", "phone", "email profile", "phone demo-api/read"],
)
def test_email_profile_and_phone_need_openid(make_hosted_ui, pool, scope):
    """Cognito developer guide, "Authorize endpoint" (scope): "The phone, email, and profile
    scopes can only be requested if openid scope is also requested": refused, no code."""
    client = replace(pool.default_client, allowed_scopes=("openid", "email", "profile", "phone", "demo-api/read"))
    driver = make_hosted_ui(replace(pool, clients=(client, *pool.clients[1:])))
    params = driver.params(scope=scope, state="st-2")
    response = driver.authorize(params)
    assert response.location.startswith(params["redirect_uri"] + "?")
    assert driver.query(response.location) == {"error": "invalid_scope", "state": "st-2"}
    page = driver.login_page(params)
    assert driver.query(page.location) == {"error": "invalid_scope", "state": "st-2"}


def test_openid_with_or_without_the_others_signs_in(make_hosted_ui, pool):
    client = replace(pool.default_client, allowed_scopes=("openid", "email", "demo-api/read"))
    driver = make_hosted_ui(replace(pool, clients=(client, *pool.clients[1:])))
    for scope in ("openid email", "openid", "demo-api/read"):
        assert driver.sign_in(scope=scope, prompt="login").code


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
    assert response.location.startswith(hosted_ui.client.callback_urls[0] + "?")
    assert hosted_ui.query(response.location)["error"] == "invalid_request"


def test_errors_at_the_redirect_uri_carry_no_description(hosted_ui):
    """Cognito developer guide, "Authorize endpoint" (negative responses):
    ``?error=invalid_request``, ``?error=unauthorized_client``, ``?error=invalid_scope``:
    the error name and the state, no error_description."""
    response = hosted_ui.authorize(hosted_ui.params(code_challenge_method="plain", state="s1"))
    assert hosted_ui.query(response.location) == {"error": "invalid_request", "state": "s1"}


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
def test_malformed_requests_get_the_error_page_not_a_500(hosted_ui, query):
    for path in ("/oauth2/authorize", "/login"):
        response = hosted_ui.http.get(f"{BASE_URL}{path}?{query}")
        assert hosted_ui.error_redirect(response)["error"]


def test_multiple_state_values_are_rejected(hosted_ui):
    params = hosted_ui.params()
    response = hosted_ui.http.get(
        "/oauth2/authorize?" + urlencode(params) + "&" + urlencode({"state": "second"})
    )
    assert hosted_ui.error_redirect(response)["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("shown", "error"),
    [(True, "redirect_mismatch"), (True, "Required parameters missing"),
     (False, "<b>call</b> 555-0100"), (False, "x" * 65)],
)
def test_error_page_echoes_only_plain_error_names(http, shown, error):
    body = http.get("/error?" + urlencode({"error": error})).get_data(as_text=True)
    assert (error in body) is shown
    assert "<b>call" not in body


# The redirect_mismatch page: what was asked, what is registered, the fix ---------------------------


def mismatch_page(hosted_ui, path: str, params: dict[str, str]):
    """Follow the redirect to /error as a browser does: on the same origin, with the session cookie."""
    response = hosted_ui.http.get(BASE_URL + path + "?" + urlencode(params))
    assert response.status_code == 302 and hosted_ui.error_redirect(response) == {
        "error": "redirect_mismatch", "client_id": hosted_ui.client.client_id}
    return hosted_ui.http.get(response.location)


@pytest.mark.parametrize("path", ["/oauth2/authorize", "/login"])
def test_the_mismatch_page_names_the_redirect_uri_asked_for_and_those_registered(hosted_ui, path, caplog):
    """Status and redirect as Cognito's (above); the page adds the emulator's words."""
    asked = "http://127.0.0.1:5000/oauth/v2/callback"
    page = mismatch_page(hosted_ui, path, hosted_ui.params(redirect_uri=asked))
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert f"asked to return to {asked} (redirect_uri)" in " ".join(re.sub(r"<[^>]+>", "", text).split())
    for registered in hosted_ui.client.callback_urls:
        assert f"<li><code>{registered}</code></li>" in text
    assert "register it in the pool's <code>callback_urls</code> for this client" in " ".join(text.split())
    assert any(asked in record.getMessage() and "registered: " in record.getMessage() for record in caplog.records)


def test_the_mismatch_page_of_a_logout_names_the_sign_out_urls(hosted_ui):
    asked = "http://localhost:5000/goodbye"
    page = mismatch_page(hosted_ui, "/logout", {"client_id": hosted_ui.client.client_id, "logout_uri": asked})
    text = " ".join(re.sub(r"<[^>]+>", "", html.unescape(page.get_data(as_text=True))).split())
    assert f"asked to return to {asked} (logout_uri)" in text
    assert f"registered sign-out URLs: {' '.join(hosted_ui.client.logout_urls)}" in text
    assert "logout_urls for this client" in text


def test_a_crafted_error_link_cannot_put_a_url_on_the_page(hosted_ui):
    """The URL asked for comes from this browser's own redirect, never from the /error link."""
    link = "/error?" + urlencode({"error": "redirect_mismatch", "client_id": hosted_ui.client.client_id,
                                  "redirect_uri": "https://evil.example/now-call-555-0100"})
    text = hosted_ui.http.get(link).get_data(as_text=True)
    assert "evil.example" not in text and "asked to return to" not in text
    assert hosted_ui.client.callback_urls[0] in text  # the registered ones are the pool's


def test_the_mismatch_page_says_nothing_more_for_a_client_the_pool_lacks(hosted_ui):
    link = "/error?" + urlencode({"error": "redirect_mismatch", "client_id": "unknownclient"})
    text = hosted_ui.http.get(link).get_data(as_text=True)
    assert "redirect_mismatch" in text and "Why" not in text
