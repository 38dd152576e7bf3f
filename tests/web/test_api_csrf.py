"""The API's unsafe requests signed in by the session cookie need the session's CSRF token; bearer requests do not.

A page of another site can make the browser POST to /api/ with its cookie (a form, or a
fetch in no-cors mode), but cannot read the token nor set an Authorization header.
"""

from __future__ import annotations

import time

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin import current_user, login_required
from tests.conftest import AuthActions, csrf_token_of
from tests.support.cognito import ALICE, sign

UNSAFE = [pytest.param(method, id=method) for method in ("POST", "PUT", "PATCH", "DELETE")]


@pytest.fixture
def app(make_app):
    app = make_app()
    app.config["notes"] = []
    examples = Blueprint("examples", __name__)

    @examples.route("/api/notes", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @login_required
    def notes():
        app.config["notes"].append(current_user.username)
        return jsonify(written_by=current_user.username)

    @examples.post("/notes")
    def page_form():  # the host's own forms are the host's affair
        return "page"

    app.register_blueprint(examples)
    return app


@pytest.fixture
def browser(client, idp):
    AuthActions(client, idp).sign_in()
    return client


def bearer(idp) -> dict[str, str]:
    claims = idp.access_token_claims(ALICE, "openid", int(time.time()), "origin")
    return {"Authorization": f"Bearer {sign(claims, idp.key)}"}


@pytest.mark.parametrize("method", UNSAFE)
def test_a_cookie_request_without_the_token_is_refused_before_the_view(app, browser, method):
    response = browser.open("/api/notes", method=method, json={"text": "hi"})
    assert response.status_code == 403
    assert response.json["error"] == "csrf_failed" and "X-CSRFToken" in response.json["message"]
    assert app.config["notes"] == []


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_the_token_in_a_header_lets_it_through(app, browser, method, header):
    token = csrf_token_of(browser.get("/"))
    response = browser.open("/api/notes", method=method, json={"text": "hi"}, headers={header: token})
    assert response.status_code == 200 and response.json == {"written_by": "alice"}


def test_the_token_in_the_form_lets_it_through(browser):
    response = browser.post("/api/notes", data={"csrf_token": csrf_token_of(browser.get("/"))})
    assert response.status_code == 200


def test_a_wrong_token_or_another_sessions_is_refused(app, browser, idp):
    assert browser.post("/api/notes", headers={"X-CSRFToken": "not-a-token"}).status_code == 403
    other = app.test_client()
    AuthActions(other, idp).sign_in()
    response = browser.post("/api/notes", headers={"X-CSRFToken": csrf_token_of(other.get("/"))})
    assert response.status_code == 403 and response.json["error"] == "csrf_failed"


def test_a_bearer_request_needs_no_token_even_with_the_cookie(app, browser, idp):
    response = browser.post("/api/notes", headers=bearer(idp), json={"text": "hi"})
    assert response.status_code == 200 and app.config["notes"] == ["alice"]


def test_safe_methods_and_anonymous_requests_need_no_token(client, browser):
    assert browser.get("/api/notes").status_code == 200
    anonymous = client.application.test_client()
    assert anonymous.post("/api/notes").status_code == 401  # the guard's answer, not a CSRF one


def test_pages_are_left_to_the_host(browser):
    assert browser.post("/notes").get_data(as_text=True) == "page"
