"""The cognito_emulator fixture, used as a developer's own test suite would: a small app of theirs, real tokens, no browser."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from flask import Flask, session

from flask_cognito_signin import CognitoSignIn, current_user, groups_required, login_required
from flask_cognito_signin.signals import auth_event
from flask_cognito_signin.testing import pool


def make_app(emulator, tmp_path) -> Flask:
    app = Flask("their_app", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(emulator.app_config(), SECRET_KEY="their-secret-key-" + "x" * 32)
    CognitoSignIn(app)

    @app.get("/reports")
    @login_required
    def reports():
        return f"reports for {current_user.username}"

    @app.get("/admin")
    @groups_required("admins")
    def admin():
        return "admin"

    @app.post("/cart")
    def cart():
        session["cart"] = ["book"]  # a session before anyone signs in
        return "added"

    return app


def test_a_protected_view_with_a_real_sign_in(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path).test_client()
    assert client.get("/reports").status_code == 302
    cookie = cognito_emulator.sign_in(client)
    assert cookie
    assert client.get("/reports").get_data(as_text=True) == "reports for test-user"
    assert client.get("/admin").status_code == 200


def test_a_wrong_password_says_where_the_sign_in_stopped_and_what_the_page_said(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path).test_client()
    with pytest.raises(AssertionError, match=r"did not sign 'test-user' in(.|\n)*Incorrect username or password\."):
        cognito_emulator.sign_in(client, password="wrong")
    assert client.get("/reports").status_code == 302


@pytest.fixture
def auth_events():
    """The names of the auth events the app sends (flask_cognito_signin.signals.auth_event) while the test runs."""
    sent = []

    def receive(sender, **fields):
        sent.append(sender)

    with auth_event.connected_to(receive):
        yield sent


def test_expired_tokens_are_refreshed_at_the_emulator(cognito_emulator, tmp_path, auth_events):
    client = make_app(cognito_emulator, tmp_path).test_client()
    cognito_emulator.sign_in(client)
    assert client.get("/reports").status_code == 200
    assert "refresh" not in auth_events  # an hour-long access token is not due yet
    cognito_emulator.expire_tokens(client)
    assert client.get("/reports").get_data(as_text=True) == "reports for test-user"
    assert client.get("/reports").status_code == 200
    assert auth_events.count("refresh") == 1  # once: the refreshed token is good for another hour


def test_a_refresh_the_pool_refuses_signs_the_user_out(cognito_emulator, tmp_path, auth_events):
    client = make_app(cognito_emulator, tmp_path).test_client()
    cognito_emulator.sign_in(client)
    cognito_emulator.global_sign_out("test-user")
    assert client.get("/reports").status_code == 200  # the access token still counts until it expires
    cognito_emulator.expire_tokens(client)
    answer = client.get("/reports")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert "refresh_failed" in auth_events
    assert client.get("/reports").status_code == 302  # signed out for good


def test_the_admin_cli_changes_the_fixtures_pool_at_its_admin_url(cognito_emulator, tmp_path):
    """`python -m devidp admin --url <admin_url> disable test-user`: --url before the command, as the docs say."""
    client = make_app(cognito_emulator, tmp_path).test_client()
    cognito_emulator.sign_in(client)
    disabled = subprocess.run([sys.executable, "-m", "devidp", "admin", "--url", cognito_emulator.admin_url, "disable",
                               "test-user"], check=False, capture_output=True, text=True, timeout=30)
    assert disabled.returncode == 0, disabled.stderr
    cognito_emulator.expire_tokens(client)
    assert client.get("/reports").status_code == 302  # a disabled user's refresh token stops working
    with pytest.raises(AssertionError, match="Incorrect username or password"):  # what Cognito says to a disabled one
        cognito_emulator.sign_in(client)


def test_the_helpers_say_when_there_is_nobody_to_act_on(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path).test_client()
    with pytest.raises(AssertionError, match="no session cookie: sign a user in first"):
        cognito_emulator.expire_tokens(client)
    with pytest.raises(AssertionError, match="the emulated pool has no user 'nobody'"):
        cognito_emulator.global_sign_out("nobody")
    client.post("/cart")
    with pytest.raises(AssertionError, match="the client's session has no signed-in user"):
        cognito_emulator.expire_tokens(client)


class TestAPoolThatDoesNotKnowTheApp:
    @pytest.fixture
    def cognito_pool(self):
        return pool(callback_base="https://elsewhere.example")

    def test_sign_in_shows_the_emulators_error_page(self, cognito_emulator, tmp_path):
        client = make_app(cognito_emulator, tmp_path).test_client()
        with pytest.raises(AssertionError) as failure:
            cognito_emulator.sign_in(client)
        assert re.search(r"An error was encountered with the requested page\.\nredirect_mismatch",
                         str(failure.value)), failure.value


class TestAUserWithATemporaryPassword:
    @pytest.fixture
    def cognito_pool(self):
        return pool(users=[{"username": "newbie", "password": "Temp-Pass-1", "status": "FORCE_CHANGE_PASSWORD"}])

    def test_sign_in_shows_the_page_that_asks_for_a_new_password(self, cognito_emulator, tmp_path):
        client = make_app(cognito_emulator, tmp_path).test_client()
        with pytest.raises(AssertionError, match=r"/login/new-password:\nChange Password\nPlease enter a new password"):
            cognito_emulator.sign_in(client, "newbie", "Temp-Pass-1")


class TestAPoolOfTheTestsOwn:
    @pytest.fixture
    def cognito_pool(self):
        return pool(users=[{"username": "reader", "password": "Reader-Pass-1", "email": "reader@example.com",
                            "groups": ["readers"]}])

    def test_its_users_sign_in_and_its_groups_count(self, cognito_emulator, tmp_path):
        client = make_app(cognito_emulator, tmp_path).test_client()
        cognito_emulator.sign_in(client, "reader", "Reader-Pass-1")
        assert client.get("/reports").get_data(as_text=True) == "reports for reader"
        assert client.get("/admin").status_code == 403
