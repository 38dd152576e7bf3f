"""Machine-to-machine callers: a client_credentials access token is a Client, let in only where a view says so.

Cognito issues these for app clients with the client_credentials grant and a resource
server's custom scopes: `sub` is the client ID, there is no `username` and no group.
`login_required` means a person; `login_required(clients=True)` and
`scopes_required(..., clients=True)` let machines in as well.
"""

from __future__ import annotations

import time
import uuid

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin import current_user, groups_required, login_required, scopes_required
from tests.support.cognito import CLIENT_ID, ISSUER, sign

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
    app = make_app(API_CLIENT_IDS=f"{CLIENT_ID} {SERVICE}")
    examples = Blueprint("examples", __name__)

    @examples.get("/api/people")
    @login_required
    def people():
        return jsonify(caller=current_user.sub)

    @examples.get("/api/orders")
    @login_required(clients=True)
    def orders():
        return jsonify(caller=current_user.sub, is_client=current_user.is_client, scopes=list(current_user.scopes))

    @examples.get("/api/orders/export")
    @scopes_required("orders/read", clients=True)
    def export_orders():
        return jsonify(caller=current_user.sub)

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


def test_a_client_on_a_view_for_people_is_forbidden_not_unauthenticated(client, idp):
    """Authenticated (the token is good) but not allowed: 403 with a reason, no sign-in challenge."""
    response = client.get("/api/people", headers=bearer(client_credentials_token(idp)))
    assert response.status_code == 403
    assert response.json["error"] == "person_required" and "machine client" in response.json["message"]
    assert "WWW-Authenticate" not in response.headers


def test_a_client_is_in_no_group_and_no_person(client, idp):
    response = client.get("/api/admin-only", headers=bearer(client_credentials_token(idp)))
    assert response.status_code == 403 and response.json["error"] == "person_required"


def test_a_view_for_clients_checks_their_scopes(client, idp):
    allowed = client.get("/api/orders/export", headers=bearer(client_credentials_token(idp)))
    assert allowed.status_code == 200 and allowed.json == {"caller": SERVICE}
    refused = client.get("/api/orders/export", headers=bearer(client_credentials_token(idp, scope="orders/write")))
    assert refused.status_code == 403 and refused.json["error"] == "insufficient_scope"
    assert refused.headers["WWW-Authenticate"].startswith('Bearer realm="api", error="insufficient_scope"')
    assert refused.headers["WWW-Authenticate"].endswith(', scope="orders/read"')


def test_a_client_not_in_api_client_ids_is_refused(client, idp):
    response = client.get("/api/me", headers=bearer(client_credentials_token(idp, client_id="someoneelse0000000000000")))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_api_required_scopes_is_a_floor_for_every_bearer_token(make_app, idp):
    client = make_app(API_CLIENT_IDS=f"{CLIENT_ID} {SERVICE}", API_REQUIRED_SCOPES="orders/read").test_client()
    response = client.get("/api/me", headers=bearer(client_credentials_token(idp, scope="orders/write")))
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == ('Bearer realm="api", error="insufficient_scope", '
                                                    'error_description="access token lacks scope orders/read", '
                                                    'scope="orders/read"')
    assert client.get("/api/me", headers=bearer(client_credentials_token(idp))).status_code == 200
