"""People, machines and scopes with the emulator's real tokens: a person's session and a client_credentials token."""

from __future__ import annotations

import pytest
import requests
from flask import Flask

from flask_cognito_signin import CognitoSignIn, current_user, login_required, scopes_required
from flask_cognito_signin.testing import pool

APP_CLIENT = {"name": "app-under-test", "client_id": "testclient0000000000000001",
              "client_secret": "test-client-secret-0000000000000000000000000000000001",
              "callback_urls": ["http://localhost/oauth/v2/callback"], "logout_urls": ["http://localhost/"],
              "allowed_scopes": ["openid", "email", "profile", "demo-api/read"], "allowed_oauth_flows": ["code"]}
MACHINE = {"name": "demo-service", "client_id": "5m2mtestservice0client0000",
           "client_secret": "m2mtestservicesecret0000000000000000000000000000000",
           "allowed_oauth_flows": ["client_credentials"], "allowed_scopes": ["demo-api/read", "demo-api/write"]}


@pytest.fixture
def cognito_pool():
    return pool(clients=[APP_CLIENT, MACHINE],
                resource_servers=[{"identifier": "demo-api", "name": "Demo API", "scopes": ["read", "write"]}])


@pytest.fixture
def client(cognito_emulator, tmp_path):
    app = Flask("their_app", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(cognito_emulator.app_config(), SECRET_KEY="their-secret-key-" + "x" * 32,
                      OIDC_SCOPES="openid email demo-api/read", API_CLIENT_IDS=f"{APP_CLIENT['client_id']} "
                                                                               f"{MACHINE['client_id']}")
    CognitoSignIn(app)

    @app.get("/api/people")
    @login_required
    def people():
        return {"username": current_user.username}

    @app.get("/api/export")
    @scopes_required("demo-api/read", clients=True)
    def export():
        return {"caller": current_user.sub}

    @app.get("/api/import")
    @scopes_required("demo-api/write", clients=True)
    def import_():
        return {"caller": current_user.sub}

    return app.test_client()


def machine_token(emulator, scope: str) -> dict[str, str]:
    discovery = requests.get(emulator.discovery_url, timeout=10).json()
    answer = requests.post(discovery["token_endpoint"], data={"grant_type": "client_credentials", "scope": scope},
                           auth=(MACHINE["client_id"], MACHINE["client_secret"]), timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_persons_session_has_the_scopes_the_sign_in_was_granted(cognito_emulator, client):
    cognito_emulator.sign_in(client)
    assert client.get("/api/people").json == {"username": "test-user"}
    assert client.get("/api/export").status_code == 200
    refused = client.get("/api/import")
    assert refused.status_code == 403 and refused.headers["WWW-Authenticate"].endswith('scope="demo-api/write"')


def test_a_machine_passes_only_views_for_machines_and_only_with_their_scopes(cognito_emulator, client):
    headers = machine_token(cognito_emulator, "demo-api/read")
    people = client.get("/api/people", headers=headers)
    assert people.status_code == 403 and people.json["error"] == "person_required"
    assert client.get("/api/export", headers=headers).json == {"caller": MACHINE["client_id"]}
    refused = client.get("/api/import", headers=headers)
    assert refused.status_code == 403 and 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
