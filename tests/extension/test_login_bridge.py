"""The Flask-Login bridge: an app that already guards its views with Flask-Login keeps doing so."""

from __future__ import annotations

import flask_login
from flask import Flask

from flask_cognito_signin import CognitoSignIn
from flask_cognito_signin.login_bridge import bridge_flask_login


def their_app(emulator, tmp_path) -> Flask:
    app = Flask("their_app", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(emulator.app_config(), SECRET_KEY="their-secret-key-" + "x" * 32)
    CognitoSignIn(app)
    bridge_flask_login(flask_login.LoginManager(app))

    @app.get("/reports")
    @flask_login.login_required
    def reports():
        user = flask_login.current_user
        return f"{user.get_id()} {user.username} {user.email}"

    @app.get("/api/reports")
    @flask_login.login_required
    def api_reports():
        return {"username": flask_login.current_user.username}

    return app


def test_flask_login_guards_send_to_sign_in_and_back(cognito_emulator, tmp_path):
    client = their_app(cognito_emulator, tmp_path).test_client()
    response = client.get("/reports?month=11")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Freports%3Fmonth%3D11"
    assert client.get("/api/reports").status_code == 401


def test_flask_login_sees_the_signed_in_user(cognito_emulator, tmp_path):
    client = their_app(cognito_emulator, tmp_path).test_client()
    cognito_emulator.sign_in(client)
    sub, username, email = client.get("/reports").get_data(as_text=True).split()
    assert (username, email) == ("test-user", "test-user@example.com") and sub
    assert client.get("/api/reports").json == {"username": "test-user"}


def test_flask_login_leaves_the_session_alone(cognito_emulator, tmp_path):
    """Flask-Login's session protection would mark the session not fresh, a write the extension does not need."""
    client = their_app(cognito_emulator, tmp_path).test_client()
    cognito_emulator.sign_in(client)
    for _ in range(2):
        assert "Set-Cookie" not in client.get("/reports").headers


def test_a_remember_token_cookie_does_not_sign_anybody_out(cognito_emulator, tmp_path):
    """Flask-Login skips its request loader when a remember_token cookie comes (one from before the
    bridge, or one tossed in from a sibling subdomain): the bridge's user must win all the same."""
    client = their_app(cognito_emulator, tmp_path).test_client()
    cognito_emulator.sign_in(client)
    for cookie in ("garbage", "1|" + "0" * 128):
        client.set_cookie("remember_token", cookie)
        assert client.get("/reports").status_code == 200, cookie
        assert client.get("/api/reports").json == {"username": "test-user"}
    assert "Set-Cookie" not in client.get("/reports").headers


def test_a_remember_token_cookie_signs_nobody_in(cognito_emulator, tmp_path):
    client = their_app(cognito_emulator, tmp_path).test_client()
    client.set_cookie("remember_token", "1|" + "0" * 128)
    assert client.get("/api/reports").status_code == 401


def test_a_machine_client_is_no_person_to_flask_login(make_app, idp):
    """A view guarded by Flask-Login is for people, as login_required is: a client_credentials token gets 403."""
    from tests.web.test_machine_clients import SERVICE, client_credentials_token

    app = make_app(API_CLIENT_IDS=SERVICE)
    bridge_flask_login(flask_login.LoginManager(app))

    @app.get("/api/reports")
    @flask_login.login_required
    def api_reports():
        return {"username": flask_login.current_user.username}

    response = app.test_client().get("/api/reports",
                                     headers={"Authorization": f"Bearer {client_credentials_token(idp)}"})
    assert response.status_code == 403 and response.json["error"] == "person_required"
