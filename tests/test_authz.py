"""The helpers app developers use: current_user, login_required, groups_required, on pages and on the API."""

from __future__ import annotations

import time

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin.authz import current_user, groups_required, login_required
from tests.conftest import AuthActions, relative
from tests.support.cognito import ALICE, PoolUser, sign

BOB = PoolUser("bob", "bob@example.com", False, ("readers",))


@pytest.fixture
def app(make_app):
    """The app plus a few views written the way the README shows."""
    app = make_app()
    examples = Blueprint("examples", __name__)

    @examples.get("/reports")
    @login_required
    def reports():
        return f"reports for {current_user.username}"

    @examples.get("/api/admin-stats")
    @groups_required("admins")
    def admin_stats():
        return jsonify(groups=list(current_user.groups))

    @examples.get("/api/whoami")
    def whoami():
        return jsonify(authenticated=current_user.is_authenticated, username=current_user.username)

    app.register_blueprint(examples)
    return app


def bearer(idp, user):
    claims = idp.access_token_claims(user, "openid", int(time.time()), "origin")
    return {"Authorization": f"Bearer {sign(claims, idp.key)}"}


def test_a_bearer_token_authenticates_no_page(client, idp):
    """Bearer tokens are for /api/: a page answers by the session cookie alone, as a browser sends it."""
    for path in ("/reports", "/admin"):
        response = client.get(path, headers=bearer(idp, ALICE))
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path


def test_current_user_is_anonymous_until_signed_in(auth, client):
    assert client.get("/api/whoami").json == {"authenticated": False, "username": ""}
    auth.sign_in()
    assert client.get("/api/whoami").json == {"authenticated": True, "username": "alice"}


def test_login_required_sends_pages_to_sign_in_and_back(auth, client):
    response = client.get("/reports?month=11")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=%2Freports%3Fmonth%3D11"
    callback = auth.idp.authorize(client.get(response.headers["Location"]).headers["Location"])
    back = client.get(relative(callback))
    assert back.headers["Location"] == "/reports?month=11"
    assert client.get("/reports?month=11").get_data(as_text=True) == "reports for alice"


def test_groups_required_on_a_page(make_app, idp):
    client = make_app().test_client()
    admin = AuthActions(client, idp)
    assert client.get("/admin").headers["Location"] == "/login?next=%2Fadmin"
    admin.sign_in()
    page = client.get("/admin")
    assert page.status_code == 200 and "Admin area" in page.get_data(as_text=True)
    reader = AuthActions(make_app().test_client(), idp)
    reader.sign_in(user=BOB)
    denied = reader.client.get("/admin")
    assert denied.status_code == 403 and "admins" in denied.get_data(as_text=True)


def test_groups_required_on_the_api_with_a_session_or_a_bearer_token(auth, client, idp):
    assert client.get("/api/admin-stats").status_code == 401
    assert client.get("/api/admin-stats", headers=bearer(idp, ALICE)).json == {"groups": ["admins", "readers"]}
    forbidden = client.get("/api/admin-stats", headers=bearer(idp, BOB))
    assert forbidden.status_code == 403 and forbidden.json["error"] == "forbidden"
    auth.sign_in()
    assert client.get("/api/admin-stats").status_code == 200
