"""The cognito_emulator fixture, used as a developer's own test suite would: a small app of theirs, real tokens, no browser."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_cognito_signin import CognitoSignIn, current_user, groups_required, login_required
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

    return app


def test_a_protected_view_with_a_real_sign_in(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path).test_client()
    assert client.get("/reports").status_code == 302
    cookie = cognito_emulator.sign_in(client)
    assert cookie
    assert client.get("/reports").get_data(as_text=True) == "reports for test-user"
    assert client.get("/admin").status_code == 200


def test_a_wrong_password_says_where_the_sign_in_stopped(cognito_emulator, tmp_path):
    client = make_app(cognito_emulator, tmp_path).test_client()
    with pytest.raises(AssertionError, match="did not sign 'test-user' in"):
        cognito_emulator.sign_in(client, password="wrong")
    assert client.get("/reports").status_code == 302


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
