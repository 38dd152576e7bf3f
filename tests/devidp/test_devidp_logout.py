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
def test_unregistered_logout_uri_goes_to_the_error_page(hosted_ui, logout_uri):
    """Cognito developer guide, "Logout endpoint": Cognito redirects to logout_uri only
    if it is one of the client's sign-out URLs; otherwise the domain's
    /error?error=redirect_mismatch&client_id=..., and the user stays signed in."""
    hosted_ui.sign_in()
    response = hosted_ui.http.get(
        LOGOUT + urlencode({"client_id": hosted_ui.client.client_id, "logout_uri": logout_uri})
    )
    assert hosted_ui.error_redirect(response) == {
        "error": "redirect_mismatch",
        "client_id": hosted_ui.client.client_id,
    }
    # Still signed in: nothing was cleared.
    assert hosted_ui.path(hosted_ui.authorize(hosted_ui.params()).location) != "/login"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"logout_uri": "http://localhost:5000/"}, "Required parameters missing"),
        ({"client_id": "unknown", "logout_uri": "http://localhost:5000/"}, "invalid_client"),
        ({"client_id": "8ohtby26b3atnvdl6izvl1ewju"}, "Required parameters missing"),
        (
            {
                "client_id": "8ohtby26b3atnvdl6izvl1ewju",
                "post_logout_redirect_uri": "http://localhost:5000/",
                "id_token_hint": "x",
            },
            "Required parameters missing",
        ),
    ],
)
def test_bad_logout_requests_go_to_the_error_page(hosted_ui, query, error):
    """Cognito developer guide, "Logout endpoint": client_id and a logout_uri or
    redirect_uri are required (RP-Initiated Logout parameters are not Cognito's);
    a bad request ends on the domain's /error page with the error's name only."""
    hosted_ui.sign_in()
    answer = hosted_ui.error_redirect(hosted_ui.http.get(LOGOUT + urlencode(query)))
    assert answer == {"error": error, **({"client_id": query["client_id"]} if "client_id" in query else {})}
    # Still signed in: nothing was cleared.
    assert hosted_ui.path(hosted_ui.authorize(hosted_ui.params()).location) != "/login"


def test_logout_with_redirect_uri_shows_sign_in_again(hosted_ui):
    hosted_ui.sign_in()
    params = hosted_ui.params()
    response = hosted_ui.http.get(LOGOUT + urlencode(params))
    assert response.status_code == 302
    assert hosted_ui.path(response.location) == "/login"
    assert hosted_ui.query(response.location) == params
    page = hosted_ui.http.get(response.location)
    assert "Sign in with your username and password" in page.get_data(as_text=True)


def test_logout_with_unregistered_redirect_uri_goes_to_the_error_page(hosted_ui):
    """Cognito developer guide, "Logout endpoint": redirect_uri must be a callback URL."""
    params = hosted_ui.params(redirect_uri="http://evil.example/cb")
    response = hosted_ui.http.get(LOGOUT + urlencode(params))
    assert hosted_ui.error_redirect(response)["error"] == "redirect_mismatch"
