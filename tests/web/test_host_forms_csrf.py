"""CognitoSignIn(protect_forms=True): the host's own unsafe requests need the session's CSRF token, the one
`csrf_token()` gives templates. Off by default; never asked of the API's bearer requests, and the API's
cookie writes are checked once, by the API's own rule.

A page of another site can make a visitor's browser POST a form to the host, cookie included,
but cannot read the token from the host's pages.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask, render_template_string

from flask_cognito_signin import CognitoSignIn, current_user, login_required
from tests.conftest import AuthActions, RPClient, csrf_token_of
from tests.support.cognito import ALICE, sign

UNSAFE = [pytest.param(method, id=method) for method in ("POST", "PUT", "PATCH", "DELETE")]
PAGE = '<form method="post" action="/notes"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'


def shop(environ, tmp_path, **options) -> Flask:
    app = Flask("shop", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(environ)
    app.test_client_class = RPClient
    CognitoSignIn(app, **options)
    app.config["written"] = []

    @app.get("/")
    def home():
        return render_template_string(PAGE)

    @app.route("/notes", methods=["POST", "PUT", "PATCH", "DELETE"])
    def notes():
        app.config["written"].append(current_user.username or "visitor")
        return "written"

    @app.post("/api/notes")
    @login_required
    def api_notes():
        app.config["written"].append(current_user.username)
        return {"written_by": current_user.username}

    return app


@pytest.fixture
def app(environ, tmp_path):
    return shop(environ, tmp_path, protect_forms=True)


@pytest.fixture
def browser(app, idp):
    client = app.test_client()
    AuthActions(client, idp).sign_in()
    return client


@pytest.mark.parametrize("method", UNSAFE)
def test_a_host_form_without_the_token_is_refused_with_a_400_page_before_the_view(app, browser, method):
    refused = browser.open("/notes", method=method, data={"text": "hi"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "This form is no longer valid. Reload the page and try again." in refused.get_data(as_text=True)
    assert app.config["written"] == []


def test_a_visitor_who_has_not_signed_in_is_asked_too(app):
    visitor = app.test_client()
    assert visitor.post("/notes").status_code == 400
    assert visitor.post("/notes", data={"csrf_token": csrf_token_of(visitor.get("/"))}).status_code == 200
    assert app.config["written"] == ["visitor"]


@pytest.mark.parametrize("method", UNSAFE)
def test_the_token_of_csrf_token_in_the_form_lets_it_through(app, browser, method):
    answer = browser.open("/notes", method=method, data={"csrf_token": csrf_token_of(browser.get("/"))})
    assert answer.status_code == 200 and app.config["written"] == ["alice"]


@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_the_token_in_a_header_lets_a_script_through(browser, header):
    answer = browser.post("/notes", json={"text": "hi"}, headers={header: csrf_token_of(browser.get("/"))})
    assert answer.status_code == 200


def test_a_wrong_token_or_another_sessions_is_refused(app, browser, idp):
    assert browser.post("/notes", data={"csrf_token": "not-a-token"}).status_code == 400
    other = app.test_client()
    AuthActions(other, idp).sign_in()
    assert browser.post("/notes", data={"csrf_token": csrf_token_of(other.get("/"))}).status_code == 400
    assert app.config["written"] == []


def test_a_bearer_request_to_the_api_needs_no_token(app, browser, idp):
    claims = idp.access_token_claims(ALICE, "openid", int(time.time()), "origin")
    answer = browser.post("/api/notes", headers={"Authorization": f"Bearer {sign(claims, idp.key)}"})
    assert answer.status_code == 200 and app.config["written"] == ["alice"]


def test_the_apis_cookie_writes_keep_the_apis_own_check_and_answer(browser):
    refused = browser.post("/api/notes")
    assert refused.status_code == 403 and refused.json["error"] == "csrf_failed"  # JSON, not the form page
    assert browser.post("/api/notes", headers={"X-CSRFToken": csrf_token_of(browser.get("/"))}).status_code == 200


def test_the_extensions_sign_out_form_is_checked_by_its_own_rule(app, browser, idp):
    assert AuthActions(browser, idp).sign_out().status_code == 302
    assert app.test_client().post("/logout").status_code == 302  # no session: nothing to end, nothing refused


def test_a_request_no_view_answers_keeps_its_404_or_405(browser):
    assert browser.post("/nowhere").status_code == 404
    assert browser.put("/").status_code == 405


def test_off_by_default_the_hosts_posts_are_left_alone(environ, tmp_path, idp):
    app = shop(environ, tmp_path)
    client = app.test_client()
    AuthActions(client, idp).sign_in()
    assert client.post("/notes").get_data(as_text=True) == "written"

