"""Machine-to-machine callers: a client_credentials access token, where API_CLIENT_IDS and API_REQUIRED_SCOPES allow it.

Cognito issues these for app clients with the client_credentials grant and a resource
server's custom scopes: `sub` is the client ID, there is no `username` and no group.
"""

from __future__ import annotations

import time
import uuid

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin.authz import current_user, groups_required, login_required
from tests.support.cognito import ISSUER, sign

SERVICE = "7m2mservice0client0000000a"


def client_credentials_token(idp, client_id: str = SERVICE, scope: str = "orders/read orders/write") -> str:
    """The claims Cognito puts in a client_credentials access token (Cognito developer guide,
    "Understanding the access token"; "Scopes, M2M, and APIs with resource servers")."""
    now = int(time.time())
    claims = {"sub": client_id, "token_use": "access", "scope": scope, "auth_time": now, "iss": ISSUER,
              "exp": now + 3600, "iat": now, "version": 2, "jti": str(uuid.uuid4()), "client_id": client_id}
    return sign(claims, idp.key)


@pytest.fixture
def app(make_app):
    app = make_app(API_CLIENT_IDS=f"4t2pm3q5k1nh8r7s6v0w9x8y7z {SERVICE}", API_REQUIRED_SCOPES="orders/read")
    examples = Blueprint("examples", __name__)

    @examples.get("/api/orders")
    @login_required
    def orders():
        return jsonify(caller=current_user.sub, is_client=current_user.is_client, scopes=list(current_user.scopes))

    @examples.get("/api/admin-only")
    @groups_required("admins")
    def admin_only():
        return "admins"

    app.register_blueprint(examples)
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_client_credentials_token_is_a_client_not_a_person(client, idp):
    me = client.get("/api/me", headers=bearer(client_credentials_token(idp))).json
    assert me["kind"] == "client" and me["sub"] == SERVICE
    assert me["username"] == "" and me["email"] is None and me["groups"] == []
    orders = client.get("/api/orders", headers=bearer(client_credentials_token(idp))).json
    assert orders == {"caller": SERVICE, "is_client": True, "scopes": ["orders/read", "orders/write"]}


def test_a_client_is_in_no_group(client, idp):
    assert client.get("/api/admin-only", headers=bearer(client_credentials_token(idp))).status_code == 403


def test_a_client_not_in_api_client_ids_is_refused(client, idp):
    response = client.get("/api/me", headers=bearer(client_credentials_token(idp, client_id="someoneelse0000000000000")))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_client_without_the_required_scope_is_refused(client, idp):
    response = client.get("/api/me", headers=bearer(client_credentials_token(idp, scope="orders/write")))
    assert response.status_code == 403 and 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
