"""Many pools in one app (a SaaS app's tenants), on `responses`: each pool with its own signing key.

A bearer token goes to the pool its `iss` names, and only to it; a view may be for some pools
only; a tenant's users are found by the domain of their address. The same rules with real
tokens from two emulated pools: tests/extension/test_tenants_with_emulator.py.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, jsonify
from joserfc.jwk import RSAKey

from flask_cognito_signin import current_user, groups_required, login_required
from flask_cognito_signin.oidc.errors import TokenFault
from tests.conftest import relative
from tests.support.cognito import FakeCognito, Pool, PoolUser, sign

TENANT_A = Pool(issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TenantA1",
                domain="https://tenant-a.auth.eu-west-1.amazoncognito.com",
                client_id="tenantaclient0000000000001", client_secret="tenant-a-secret")
TENANT_B = Pool(issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TenantB1",
                domain="https://tenant-b.auth.eu-west-1.amazoncognito.com",
                client_id="tenantbclient0000000000001", client_secret="tenant-b-secret")
ANN = PoolUser("ann", "ann@a.example", True, ("admins",))  # "admins" of tenant A's pool
BEA = PoolUser("bea", "bea@b.example", True, ("admins",))  # "admins" of tenant B's pool
BEN = PoolUser("ben", "ben@b.example", True, ())


@pytest.fixture
def tenant_a(idp) -> FakeCognito:
    return FakeCognito(idp.mock, RSAKey.generate_key(2048, parameters={"kid": "tenant-a-key"}, private=True),
                       TENANT_A).install()


@pytest.fixture
def tenant_b(idp) -> FakeCognito:
    return FakeCognito(idp.mock, RSAKey.generate_key(2048, parameters={"kid": "tenant-b-key"}, private=True),
                       TENANT_B).install()


def providers_file(tmp_path, b_table: str = "") -> str:
    path = tmp_path / "providers.toml"
    path.write_text(
        f'[providers.tenant-a]\nlabel = "Tenant A"\ndiscovery_url = "{TENANT_A.discovery_url}"\n'
        f'client_id = "{TENANT_A.client_id}"\nclient_secret = "{TENANT_A.client_secret}"\n'
        f'email_domains = ["a.example"]\n\n'
        f'[providers.tenant-b]\nlabel = "Tenant B"\ndiscovery_url = "{TENANT_B.discovery_url}"\n'
        f'client_id = "{TENANT_B.client_id}"\nclient_secret = "{TENANT_B.client_secret}"\n{b_table}\n'
    )
    return str(path)


@pytest.fixture
def app(make_app, tmp_path):
    """The example app with two tenants' pools and no OIDC_* provider, and views for tenant B only."""
    app = make_app(OIDC_PROVIDERS_FILE=providers_file(tmp_path, 'email_domains = ["b.example", "B-Corp.example"]'),
                   OIDC_DISCOVERY_URL="", OIDC_CLIENT_ID="", OIDC_CLIENT_SECRET="")
    examples = Blueprint("examples", __name__)

    @examples.get("/api/b/reports")
    @login_required(providers=("tenant-b",))
    def b_reports():
        return jsonify(username=current_user.username, provider=current_user.provider)

    @examples.get("/b/reports")
    @login_required(providers=("tenant-b",))
    def b_reports_page():
        return "tenant B's reports"

    @examples.get("/api/b/admin")
    @groups_required("admins", provider="tenant-b")
    def b_admin():
        return jsonify(username=current_user.username)

    app.register_blueprint(examples)
    return app


def bearer(fake: FakeCognito, user: PoolUser, **changes) -> dict[str, str]:
    claims = {**fake.access_token_claims(user, "openid", int(time.time()), "origin"), **changes}
    return {"Authorization": f"Bearer {sign(claims, fake.key)}"}


def signed_in(app, fake: FakeCognito, alias: str, user: PoolUser):
    client = app.test_client()
    login = client.get(f"/login/{alias}")
    assert client.get(relative(fake.authorize(login.headers["Location"], user))).status_code == 302
    return client


# Bearer tokens go to the pool their iss names -------------------------------------------------

def test_each_pools_tokens_are_checked_with_its_own_keys_and_name_it(client, tenant_a, tenant_b):
    assert client.get("/api/me", headers=bearer(tenant_a, ANN)).json["provider"] == "tenant-a"
    assert client.get("/api/me", headers=bearer(tenant_b, BEA)).json["provider"] == "tenant-b"
    fetched = [call.request.url for call in tenant_a.mock.calls]
    assert fetched.count(TENANT_A.jwks_uri) == 1 and fetched.count(TENANT_B.jwks_uri) == 1


def test_an_unknown_issuer_is_refused_before_any_provider_is_asked(client, tenant_a, tenant_b):
    stranger = FakeCognito(tenant_a.mock, tenant_a.key, Pool(issuer="https://cognito-idp.eu-west-1.amazonaws.com/"
                                                                    "eu-west-1_Stranger"))
    refused = client.get("/api/me", headers=bearer(stranger, ANN))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].endswith(f'error_description="{TokenFault.UNKNOWN_ISSUER.value}"')
    assert len(tenant_a.mock.calls) == 0  # no discovery, no JWKS: not even of the configured pools


def test_a_token_naming_one_pool_but_signed_with_the_others_key_is_refused(client, tenant_a, tenant_b):
    forged = bearer(tenant_a, ANN, iss=TENANT_B.issuer, client_id=TENANT_B.client_id)  # tenant A's key, B's names
    refused = client.get("/api/me", headers=forged)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].endswith(f'error_description="{TokenFault.SIGNATURE.value}"')
    assert TENANT_A.jwks_uri not in [call.request.url for call in tenant_a.mock.calls]  # A's keys never consulted


# Views for some pools only --------------------------------------------------------------------

def test_a_view_for_one_pool_refuses_another_pools_token(client, tenant_a, tenant_b):
    refused = client.get("/api/b/reports", headers=bearer(tenant_a, ANN))
    assert refused.status_code == 403 and refused.json["error"] == "provider_not_allowed"
    assert client.get("/api/b/reports", headers=bearer(tenant_b, BEN)).json == {"username": "ben",
                                                                               "provider": "tenant-b"}


def test_a_page_for_one_pool_refuses_another_pools_session(app, tenant_a, tenant_b):
    assert signed_in(app, tenant_a, "tenant-a", ANN).get("/b/reports").status_code == 403
    assert signed_in(app, tenant_b, "tenant-b", BEN).get("/b/reports").get_data(as_text=True) == "tenant B's reports"


def test_nobody_signed_in_is_sent_to_sign_in_not_refused(client):
    assert client.get("/b/reports").status_code == 302
    assert client.get("/api/b/reports").status_code == 401


@pytest.mark.parametrize("providers", [pytest.param("tenant-b", id="a-string"), pytest.param((), id="none")])
def test_a_guard_must_name_its_providers_as_a_collection(providers):
    with pytest.raises(ValueError, match="providers="):
        login_required(providers=providers)


# Groups are each pool's own -------------------------------------------------------------------

def test_a_group_of_the_same_name_in_another_pool_does_not_count(app, client, tenant_a, tenant_b):
    refused = client.get("/api/b/admin", headers=bearer(tenant_a, ANN))
    assert refused.status_code == 403 and client.get("/api/me", headers=bearer(tenant_a, ANN)).json["groups"] == [
        "admins"]
    assert client.get("/api/b/admin", headers=bearer(tenant_b, BEA)).json == {"username": "bea"}
    assert client.get("/api/b/admin", headers=bearer(tenant_b, BEN)).status_code == 403
    assert signed_in(app, tenant_a, "tenant-a", ANN).get("/api/b/admin").status_code == 403
    assert signed_in(app, tenant_b, "tenant-b", BEA).get("/api/b/admin").status_code == 200


# current_user names its provider --------------------------------------------------------------

def test_the_session_page_and_api_me_name_the_provider(app, tenant_a):
    browser = signed_in(app, tenant_a, "tenant-a", ANN)
    assert browser.get("/api/me").json["provider"] == "tenant-a"
    assert 'Tenant A (<code>tenant-a</code>)' in browser.get("/").get_data(as_text=True)


# A tenant chosen by its sign-in path, or by the domain of an address ---------------------------

def authorize_params(response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.get_data(as_text=True)
    return parse_qs(urlsplit(response.headers["Location"]).query)


@pytest.mark.parametrize("address, pool", [
    pytest.param("ann@a.example", TENANT_A, id="tenant-a"),
    pytest.param("bea@b.example", TENANT_B, id="tenant-b"),
    pytest.param("Bo@B-CORP.Example", TENANT_B, id="domains-ignore-case"),
])
def test_an_address_starts_the_sign_in_at_the_pool_of_its_domain(client, tenant_a, tenant_b, address, pool):
    login = client.get("/login", query_string={"login_hint": address, "next": "/admin"})
    assert login.headers["Location"].startswith(f"{pool.domain}/oauth2/authorize?")
    params = authorize_params(login)
    assert params["client_id"] == [pool.client_id] and params["login_hint"] == [address]


def test_the_sign_in_path_names_the_pool_and_passes_a_hint_on(client, tenant_a, tenant_b):
    params = authorize_params(client.get("/login/tenant-b", query_string={"login_hint": "bea"}))
    assert params["client_id"] == [TENANT_B.client_id] and params["login_hint"] == ["bea"]
    assert "login_hint" not in authorize_params(client.get("/login/tenant-a"))


def test_the_choice_page_asks_for_the_address_and_lists_no_tenant(client):
    page = client.get("/login?next=/reports").get_data(as_text=True)
    assert 'name="login_hint"' in page and '<input type="hidden" name="next" value="/reports">' in page
    assert "Tenant A" not in page and "Tenant B" not in page


@pytest.mark.parametrize("hint, problem", [
    pytest.param("carl@c.example", "No organisation signs in here with addresses at c.example", id="unknown-domain"),
    pytest.param("carl", "Enter your email address", id="not-an-address"),
])
def test_an_address_of_no_tenant_asks_again_saying_why(client, tenant_a, hint, problem):
    answer = client.get("/login", query_string={"login_hint": hint})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert problem in page and f'value="{hint}"' in page
    assert len(tenant_a.mock.calls) == 0


@pytest.mark.parametrize("hint", [pytest.param("a" * 250 + "@a.example", id="too-long"),
                                  pytest.param("ann@a.example\r\nX: y", id="control-characters")])
def test_an_unusable_hint_is_400(client, hint):
    answer = client.get("/login", query_string={"login_hint": hint})
    assert answer.status_code == 400 and "login_hint must be an email address" in answer.get_data(as_text=True)


def test_an_unknown_tenant_path_is_404_and_goes_nowhere(client, tenant_a):
    answer = client.get("/login/tenant-c?next=https://evil.example/")
    assert answer.status_code == 404 and "Location" not in answer.headers
    assert len(tenant_a.mock.calls) == 0


def test_with_one_provider_any_hint_goes_to_it(make_app, tmp_path, idp):
    """A single pool needs no domains: the hint (a user name, say) is passed on as it is."""
    params = authorize_params(make_app().test_client().get("/login", query_string={"login_hint": "alice"}))
    assert params["login_hint"] == ["alice"]
