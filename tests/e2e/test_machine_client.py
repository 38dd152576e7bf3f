"""A program, not a person: a client_credentials token from the running emulator calls the app's Bearer API.

The emulator's demo pool has a machine client with the resource server `demo-api`'s custom
scopes (devidp/pool.toml). It gets an access token at the pool domain's /oauth2/token, found
through discovery as any OAuth client would, and the app answers /api/me as for a `Client`.
"""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import emulator_env, idp_and_rp, start_emulator

pytestmark = pytest.mark.e2e

RP_CLIENT_ID = "8ohtby26b3atnvdl6izvl1ewju"
MACHINE_ID, MACHINE_SECRET = "5m2mdemoservice0client0000", "m2mdemoservicesecret0000000000000000000000000000000"


@pytest.fixture
def emulator_and_api(tmp_path):
    def env_for(emulator):
        return {**emulator_env(emulator), "API_CLIENT_IDS": f"{RP_CLIENT_ID} {MACHINE_ID}",
                "API_REQUIRED_SCOPES": "demo-api/read"}

    with idp_and_rp(tmp_path, start_emulator, env_for, rp_host="localhost") as servers:
        yield servers


def client_credentials_token(emulator, scope: str) -> str:
    discovery = requests.get(emulator_env(emulator)["OIDC_DISCOVERY_URL"], timeout=10).json()
    answer = requests.post(discovery["token_endpoint"], data={"grant_type": "client_credentials", "scope": scope},
                           auth=(MACHINE_ID, MACHINE_SECRET), timeout=10)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"access_token", "token_type", "expires_in"}
    return answer.json()["access_token"]


def test_a_client_credentials_token_calls_the_api_as_a_client(emulator_and_api):
    emulator, rp = emulator_and_api
    token = client_credentials_token(emulator, "demo-api/read demo-api/write")
    me = requests.get(f"{rp.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["kind"] == "client" and body["sub"] == MACHINE_ID
    assert body["username"] == "" and body["groups"] == []


def test_a_token_without_the_required_scope_is_refused(emulator_and_api):
    emulator, rp = emulator_and_api
    token = client_credentials_token(emulator, "demo-api/write")
    me = requests.get(f"{rp.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 403
    assert 'error="insufficient_scope"' in me.headers["WWW-Authenticate"]


def test_a_wrong_client_secret_gets_no_token(emulator_and_api):
    emulator, _ = emulator_and_api
    answer = requests.post(f"{emulator.url}/oauth2/token", data={"grant_type": "client_credentials"},
                           auth=(MACHINE_ID, "not-the-secret"), timeout=10)
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_client"})
