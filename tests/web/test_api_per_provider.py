"""With several providers, each one's bearer tokens are checked against its own API_CLIENT_IDS and API_AUDIENCE.

A client ID and an audience are names at one provider: another provider (a partner's pool, a
tenant someone else administers) may register a client of the same name, and its tokens must
not pass for ours. Scopes, like groups, count for the provider a guard names.
"""

from __future__ import annotations

import time

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin import current_user, scopes_required
from flask_cognito_signin.oidc.errors import TokenFault
from tests.support.cognito import ALICE, CLIENT_ID, FakeCognito, Pool, sign
from tests.web.test_providers import CAROL, STAFF, staff_idp  # noqa: F401 (the staff pool's fixture)

OP = Pool(issuer="https://op.example.org", domain="https://op.example.org", client_id="op-client")
API = "https://api.example.com"


@pytest.fixture
def op(idp) -> FakeCognito:
    """A provider that is not Cognito (RFC 9068 access tokens), on the same mock and key."""
    return FakeCognito(idp.mock, idp.key, OP).install()


def make(make_app, tmp_path, *, staff_table: str = "", op_table: str = "", **settings: str):
    path = tmp_path / "providers.toml"
    path.write_text(f'[providers.staff]\ndiscovery_url = "{STAFF.discovery_url}"\nclient_id = "{STAFF.client_id}"\n'
                    f'client_secret = "{STAFF.client_secret}"\n{staff_table}\n'
                    f'[providers.op]\ndiscovery_url = "{OP.discovery_url}"\nclient_id = "{OP.client_id}"\n'
                    f'client_secret = "{OP.client_secret}"\n{op_table}\n')
    app = make_app(OIDC_PROVIDERS_FILE=str(path), **settings)
    examples = Blueprint("examples", __name__)

    @examples.get("/api/orders")
    @scopes_required("orders/read")
    def orders():
        return jsonify(username=current_user.username)

    @examples.get("/api/staff-orders")
    @scopes_required("orders/read", provider="staff")
    def staff_orders():
        return jsonify(username=current_user.username)

    app.register_blueprint(examples)
    return app.test_client()


def cognito_token(fake: FakeCognito, user=ALICE, scope: str = "openid", **changes) -> str:
    claims = {**fake.access_token_claims(user, scope, int(time.time()), "o"), **changes}
    return sign(claims, fake.key)


def rfc9068_token(op: FakeCognito, aud: str = API) -> str:
    now = int(time.time())
    claims = {"iss": op.pool.issuer, "sub": ALICE.sub, "client_id": op.pool.client_id, "scope": "openid",
              "aud": aud, "iat": now, "exp": now + 600, "jti": "at-1"}
    return sign(claims, op.key, {"alg": "RS256", "kid": op.key.kid, "typ": "at+jwt"})


def me(client, token: str):
    return client.get("/api/me", headers={"Authorization": f"Bearer {token}"})


def refused_for_its_client(response) -> bool:
    return response.status_code == 401 and response.headers["WWW-Authenticate"].endswith(
        f'error_description="{TokenFault.CLIENT.value}"')


def test_a_provider_cannot_mint_tokens_for_another_providers_client(make_app, tmp_path, idp, staff_idp):
    client = make(make_app, tmp_path)
    assert refused_for_its_client(me(client, cognito_token(staff_idp, CAROL, client_id=CLIENT_ID)))
    assert refused_for_its_client(me(client, cognito_token(idp, client_id=STAFF.client_id)))
    assert me(client, cognito_token(staff_idp, CAROL)).json["username"] == "carol"
    assert me(client, cognito_token(idp)).json["username"] == "alice"


def test_api_client_ids_are_the_oidc_providers_and_each_table_has_its_own(make_app, tmp_path, idp, staff_idp):
    client = make(make_app, tmp_path, API_CLIENT_IDS=f"{CLIENT_ID} cognito-machine",
                  staff_table=f'api_client_ids = ["{STAFF.client_id}", "staff-machine"]')
    assert me(client, cognito_token(idp, client_id="cognito-machine")).status_code == 200
    assert refused_for_its_client(me(client, cognito_token(staff_idp, CAROL, client_id="cognito-machine")))
    assert me(client, cognito_token(staff_idp, CAROL, client_id="staff-machine")).status_code == 200
    assert refused_for_its_client(me(client, cognito_token(idp, client_id="staff-machine")))


def test_api_audience_is_each_providers_own(make_app, tmp_path, op):
    without = make(make_app, tmp_path, API_AUDIENCE=API)
    refused = me(without, rfc9068_token(op))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].endswith(f'error_description="{TokenFault.AUDIENCE.value}"')
    with_its_own = make(make_app, tmp_path, op_table=f'api_audience = ["{API}"]')
    assert me(with_its_own, rfc9068_token(op)).status_code == 200


def test_scopes_count_for_the_provider_the_guard_names(make_app, tmp_path, idp, staff_idp):
    client = make(make_app, tmp_path)
    staff = {"Authorization": f"Bearer {cognito_token(staff_idp, CAROL, 'openid orders/read')}"}
    cognito = {"Authorization": f"Bearer {cognito_token(idp, ALICE, 'openid orders/read')}"}
    assert client.get("/api/orders", headers=staff).status_code == 403
    assert client.get("/api/orders", headers=cognito).json == {"username": "alice"}
    assert client.get("/api/staff-orders", headers=staff).json == {"username": "carol"}
    assert client.get("/api/staff-orders", headers=cognito).status_code == 403
