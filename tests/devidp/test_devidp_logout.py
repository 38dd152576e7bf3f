"""Cognito's GET /logout?client_id=...&logout_uri=... (not RP-Initiated Logout)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

LOGOUT = "http://127.0.0.1:9230/logout?"


def test_logout_clears_session_and_redirects_to_registered_uri(hosted_ui):
    hosted_ui.sign_in()
    response = hosted_ui.http.get(
        LOGOUT
        + urlencode(
            {"client_id": hosted_ui.client.client_id, "logout_uri": "http://localhost:5000/"}
        )
    )
    assert response.status_code == 302
    assert response.location == "http://localhost:5000/"
    assert response.headers["Set-Cookie"].startswith("devidp_session=;")
    after = hosted_ui.authorize(hosted_ui.params())
    assert hosted_ui.path(after.location) == "/login"


@pytest.mark.parametrize(
    "logout_uri",
    ["http://evil.example/", "http://localhost:5000", "http://localhost:5000/?x=1"],
)
def test_unregistered_logout_uri_gets_error_page(hosted_ui, logout_uri):
    hosted_ui.sign_in()
    response = hosted_ui.http.get(
        LOGOUT + urlencode({"client_id": hosted_ui.client.client_id, "logout_uri": logout_uri})
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_mismatch" in response.get_data(as_text=True)
    # Still signed in: nothing was cleared.
    assert hosted_ui.path(hosted_ui.authorize(hosted_ui.params()).location) != "/login"


@pytest.mark.parametrize(
    "query",
    [
        {"logout_uri": "http://localhost:5000/"},
        {"client_id": "unknown", "logout_uri": "http://localhost:5000/"},
        {"client_id": "8ohtby26b3atnvdl6izvl1ewju"},
        {
            "client_id": "8ohtby26b3atnvdl6izvl1ewju",
            "post_logout_redirect_uri": "http://localhost:5000/",
            "id_token_hint": "x",
        },
    ],
)
def test_bad_logout_requests_get_error_page(http, query):
    response = http.get(LOGOUT + urlencode(query))
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_logout_with_redirect_uri_shows_sign_in_again(hosted_ui):
    hosted_ui.sign_in()
    params = hosted_ui.params()
    response = hosted_ui.http.get(LOGOUT + urlencode(params))
    assert response.status_code == 302
    assert hosted_ui.path(response.location) == "/login"
    assert hosted_ui.query(response.location) == params
    page = hosted_ui.http.get(response.location)
    assert "Sign in with your username and password" in page.get_data(as_text=True)


def test_logout_with_unregistered_redirect_uri_gets_error_page(hosted_ui):
    params = hosted_ui.params(redirect_uri="http://evil.example/cb")
    response = hosted_ui.http.get(LOGOUT + urlencode(params))
    assert response.status_code == 400
    assert "Location" not in response.headers
