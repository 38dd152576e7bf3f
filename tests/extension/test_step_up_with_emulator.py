"""Step-up with the emulator's real tokens: prompt=login makes its hosted UI ask for the password despite a session."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask

from devidp.driver import submit_login
from flask_cognito_signin import CognitoSignIn, current_user, fresh_login_required
from flask_cognito_signin.testing import TEST_PASSWORD, TEST_USER

MAX_AGE = 300


@pytest.fixture
def app(cognito_emulator, tmp_path):
    app = Flask("their_app", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(cognito_emulator.app_config(), SECRET_KEY="their-secret-key-" + "x" * 32)
    CognitoSignIn(app)

    @app.get("/statement")
    @fresh_login_required(max_age=MAX_AGE)
    def statement():
        return f"statement of {current_user.username}"

    @app.get("/api/statement")
    @fresh_login_required(max_age=MAX_AGE)
    def api_statement():
        return {"username": current_user.username}

    return app


def later(app, seconds: float) -> None:
    """This app's clock `seconds` ahead of the emulator's (0: the same again): a sign-in ages without waiting."""
    for provider in app.extensions["cognito_signin"].providers.values():
        provider.clock = lambda: time.time() + seconds


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_an_older_sign_in_types_the_password_again_and_comes_back(app):
    client, browser = app.test_client(), requests.Session()  # the app's cookies, and the emulator's
    login = client.get("/login", query_string={"next": "/statement"})
    client.get(path_of(submit_login(browser, browser.get(login.headers["Location"], timeout=10),
                                    TEST_USER, TEST_PASSWORD)))
    assert client.get("/statement").get_data(as_text=True) == "statement of test-user"

    later(app, MAX_AGE + 1)
    guard = client.get("/statement")
    assert guard.status_code == 302 and "max_age=300" in guard.headers["Location"]
    later(app, 0)
    authorize = client.get(path_of(guard.headers["Location"])).headers["Location"]
    assert parse_qs(urlsplit(authorize).query)["prompt"] == ["login"]

    # The emulator's session would sign an ordinary request in silently; prompt=login shows the form.
    parts = urlsplit(authorize)
    ordinary = {name: values for name, values in parse_qs(parts.query).items() if name != "prompt"}
    silent = browser.get(parts._replace(query=urlencode(ordinary, doseq=True)).geturl(), allow_redirects=False,
                         timeout=10)
    assert "code=" in silent.headers["Location"]
    form = browser.get(authorize, timeout=10)
    assert 'name="password"' in form.text
    back = client.get(path_of(submit_login(browser, form, TEST_USER, TEST_PASSWORD)))
    assert back.headers["Location"] == "/statement"
    assert client.get("/statement").get_data(as_text=True) == "statement of test-user"


def test_the_api_challenges_a_session_whose_sign_in_is_older(app, cognito_emulator):
    client = app.test_client()
    cognito_emulator.sign_in(client)
    assert client.get("/api/statement").json == {"username": "test-user"}
    later(app, MAX_AGE + 1)
    refused = client.get("/api/statement")
    assert refused.status_code == 401
    assert 'error="insufficient_user_authentication"' in refused.headers["WWW-Authenticate"]
    assert refused.headers["WWW-Authenticate"].endswith('max_age="300"')
