"""The helpers app developers use (current_user, login_required, groups_required, scopes_required), on pages and the API."""

from __future__ import annotations

import time

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin import current_user, groups_required, login_required, scopes_required
from tests.conftest import AuthActions, relative
from tests.support.cognito import ALICE, PoolUser, sign

BOB = PoolUser("bob", "bob@example.com", False, ("readers",))


def with_examples(app):
    """The app plus a few views written the way the README shows."""
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

    @examples.get("/api/orders")
    @scopes_required("orders/read")
    def api_orders():
        return jsonify(username=current_user.username)

    @examples.get("/orders")
    @scopes_required("orders/read", "orders/write")
    def orders_page():
        return f"orders for {current_user.username}"

    app.register_blueprint(examples)
    return app


@pytest.fixture
def app(make_app):
    return with_examples(make_app())


def bearer(idp, user, scope: str = "openid"):
    claims = idp.access_token_claims(user, scope, int(time.time()), "origin")
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


# Scopes: the access token's `scope`, a bearer token's own or the session's -------------------------


def test_a_bearer_token_needs_the_views_scope(client, idp):
    refused = client.get("/api/orders", headers=bearer(idp, ALICE, "openid email"))
    assert refused.status_code == 403 and refused.json["error"] == "insufficient_scope"
    assert refused.headers["WWW-Authenticate"] == ('Bearer realm="api", error="insufficient_scope", '
                                                   'error_description="This needs the scope(s): orders/read.", '
                                                   'scope="orders/read"')
    allowed = client.get("/api/orders", headers=bearer(idp, ALICE, "openid orders/read"))
    assert allowed.status_code == 200 and allowed.json == {"username": "alice"}


def test_no_credentials_on_a_scoped_view_get_the_bare_challenge(client):
    response = client.get("/api/orders")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_session_has_the_scopes_its_sign_in_was_granted(make_app, idp):
    """A person signed in by the cookie presents no token: the session's access token's scope counts."""
    plain = AuthActions(with_examples(make_app()).test_client(), idp)
    plain.sign_in()
    refused = plain.client.get("/api/orders")
    assert refused.status_code == 403 and 'scope="orders/read"' in refused.headers["WWW-Authenticate"]
    granted = AuthActions(with_examples(make_app(OIDC_SCOPES="openid email orders/read")).test_client(), idp)
    granted.sign_in()
    assert granted.client.get("/api/orders").json == {"username": "alice"}


def test_a_page_needs_every_scope_and_answers_403_without_them(make_app, idp):
    client = with_examples(make_app(OIDC_SCOPES="openid orders/read")).test_client()
    assert client.get("/orders").headers["Location"] == "/login?next=%2Forders"
    AuthActions(client, idp).sign_in()
    page = client.get("/orders")
    assert page.status_code == 403 and "orders/write" in page.get_data(as_text=True)
    both = with_examples(make_app(OIDC_SCOPES="openid orders/read orders/write")).test_client()
    AuthActions(both, idp).sign_in()
    assert both.get("/orders").get_data(as_text=True) == "orders for alice"


@pytest.mark.parametrize("scopes", [pytest.param((), id="none"), pytest.param(("orders read",), id="space"),
                                    pytest.param(('orders"read',), id="quote"), pytest.param(("",), id="empty")])
def test_a_scope_that_is_no_scope_token_is_refused_when_the_view_is_written(scopes):
    with pytest.raises(ValueError):
        scopes_required(*scopes)
