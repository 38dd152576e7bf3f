"""Two tenants, each with a user pool of its own, in one app: two running emulators and their real tokens.

The app's code names no pool: its providers file does, one table per tenant, each with the
app client registered for the same callback URL. A token is checked with the keys of the pool
its `iss` names, a view may be for one tenant only, and each pool's "admins" are its own.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jws import extract_compact

from devidp.driver import submit_login
from devidp.keys import KEY_FILE_NAME
from flask_cognito_signin import CognitoSignIn, current_user, groups_required, login_required
from flask_cognito_signin.oidc.errors import TokenFault
from flask_cognito_signin.settings import CALLBACK_PATH
from flask_cognito_signin.testing import pool, run_emulator

CALLBACK = "http://localhost" + CALLBACK_PATH
PASSWORD = "Tenant-Password-1"


def tenant_pool(pool_id: str, client_id: str, *users: tuple[str, list[str]]) -> dict:
    """A tenant's pool: its users (name, groups) and one app client for the app's one callback URL."""
    return pool(
        pool_id=pool_id,
        users=[{"username": name, "password": PASSWORD, "email": f"{name}@{pool_id[-7:].lower()}.example",
                "email_verified": True, "groups": groups} for name, groups in users],
        clients=[{"name": "saas-app", "client_id": client_id, "client_secret": f"{client_id}-secret-" + "0" * 32,
                  "callback_urls": [CALLBACK], "logout_urls": ["http://localhost/"],
                  "allowed_scopes": ["openid", "email", "profile"], "allowed_oauth_flows": ["code"]}],
    )


@pytest.fixture(scope="module")
def pools(tmp_path_factory):
    """Tenant A's pool (ann, an admin there) and tenant B's (bea, an admin there, and ben)."""
    folder = tmp_path_factory.mktemp("tenant-pools")
    with run_emulator(tenant_pool("us-east-1_TenantA1", "tenantaclient000000000001", ("ann", ["admins"])),
                      instance_path=str(folder / "a")) as a, \
            run_emulator(tenant_pool("us-east-1_TenantB1", "tenantbclient000000000001", ("bea", ["admins"]),
                                     ("ben", [])), instance_path=str(folder / "b")) as b:
        yield {"tenant-a": (a, folder / "a"), "tenant-b": (b, folder / "b")}


def their_app(tmp_path, providers_file: str) -> Flask:
    """A SaaS app of its own: views for everyone signed in, for tenant B only, and for tenant B's admins."""
    app = Flask("saas_app", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="their-secret-key-" + "x" * 32, APP_BASE_URL="http://localhost",
                      SESSION_STORE_URL=f"sqlite:///{tmp_path / 'sessions.db'}", OIDC_PROVIDERS_FILE=providers_file)
    CognitoSignIn(app)

    @app.get("/api/me")
    @login_required
    def me():
        return {"username": current_user.username, "provider": current_user.provider,
                "groups": list(current_user.groups)}

    @app.get("/api/b/reports")
    @login_required(providers=("tenant-b",))
    def b_reports():
        return {"username": current_user.username}

    @app.get("/b/reports")
    @login_required(providers=("tenant-b",))
    def b_reports_page():
        return "tenant B's reports"

    @app.get("/api/b/admin")
    @groups_required("admins", provider="tenant-b")
    def b_admin():
        return {"username": current_user.username}

    return app


def write_providers(tmp_path, pools, *aliases: str) -> str:
    path = tmp_path / "providers.toml"
    path.write_text("\n".join(pools[alias][0].provider_table(alias) for alias in aliases))
    return str(path)


@pytest.fixture
def app(tmp_path, pools) -> Flask:
    return their_app(tmp_path, write_providers(tmp_path, pools, "tenant-a", "tenant-b"))


def signed_in(app: Flask, pools, alias: str, username: str):
    client = app.test_client()
    pools[alias][0].sign_in(client, username, PASSWORD, provider=alias)
    return client


def access_token(emulator, username: str) -> str:
    """What a tenant's own front end holds: the code flow at its pool, the code redeemed at the token endpoint."""
    discovery = requests.get(emulator.discovery_url, timeout=10).json()
    query = urlencode({"response_type": "code", "client_id": emulator.client_id, "redirect_uri": CALLBACK,
                       "scope": "openid email", "state": "front-end"})
    with requests.Session() as browser:
        login_page = browser.get(f"{discovery['authorization_endpoint']}?{query}", timeout=10)
        callback = submit_login(browser, login_page, username, PASSWORD)
    answer = requests.post(discovery["token_endpoint"], auth=(emulator.client_id, emulator.client_secret), timeout=10,
                           data={"grant_type": "authorization_code", "redirect_uri": CALLBACK,
                                 "code": parse_qs(urlsplit(callback).query)["code"][0]})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_pool_added_to_the_providers_file_signs_in_without_a_code_change(tmp_path, pools):
    one = their_app(tmp_path, write_providers(tmp_path, pools, "tenant-a"))
    assert one.test_client().get("/login/tenant-b").status_code == 404
    two = their_app(tmp_path, write_providers(tmp_path, pools, "tenant-a", "tenant-b"))  # the same code
    assert signed_in(two, pools, "tenant-b", "bea").get("/api/me").json == {
        "username": "bea", "provider": "tenant-b", "groups": ["admins"]}


def test_each_tenant_signs_in_at_its_own_path_and_current_user_names_the_pool(app, pools):
    assert signed_in(app, pools, "tenant-a", "ann").get("/api/me").json["provider"] == "tenant-a"
    assert signed_in(app, pools, "tenant-b", "ben").get("/api/me").json["provider"] == "tenant-b"


def test_bearer_tokens_of_each_pool_are_accepted_and_name_it(app, pools):
    client = app.test_client()
    for alias, username in (("tenant-a", "ann"), ("tenant-b", "ben")):
        me = client.get("/api/me", headers=bearer(access_token(pools[alias][0], username))).json
        assert (me["username"], me["provider"]) == (username, alias)


def test_pool_as_token_is_refused_where_only_pool_b_is_allowed(app, pools):
    client = app.test_client()
    refused = client.get("/api/b/reports", headers=bearer(access_token(pools["tenant-a"][0], "ann")))
    assert refused.status_code == 403 and refused.json["error"] == "provider_not_allowed"
    assert client.get("/api/b/reports", headers=bearer(access_token(pools["tenant-b"][0], "ben"))).json == {
        "username": "ben"}
    assert signed_in(app, pools, "tenant-a", "ann").get("/b/reports").status_code == 403
    assert signed_in(app, pools, "tenant-b", "ben").get("/b/reports").status_code == 200


def test_pool_as_admins_are_not_pool_bs(app, pools):
    client = app.test_client()
    ann = bearer(access_token(pools["tenant-a"][0], "ann"))
    assert client.get("/api/me", headers=ann).json["groups"] == ["admins"]  # an admin, but of tenant A
    assert client.get("/api/b/admin", headers=ann).status_code == 403
    assert signed_in(app, pools, "tenant-a", "ann").get("/api/b/admin").status_code == 403
    assert client.get("/api/b/admin", headers=bearer(access_token(pools["tenant-b"][0], "bea"))).json == {
        "username": "bea"}
    assert signed_in(app, pools, "tenant-b", "ben").get("/api/b/admin").status_code == 403


def access_key(instance: str):
    """A pool's private access-token key, from the emulator's instance folder."""
    from joserfc.jwk import RSAKey

    return RSAKey.import_key(json.loads((instance / "devidp" / KEY_FILE_NAME).read_text())["access_token"])


def test_a_token_naming_pool_b_but_signed_with_pool_as_key_is_refused(app, pools):
    genuine = access_token(pools["tenant-b"][0], "ben")
    claims = json.loads(extract_compact(genuine.encode()).payload)  # B's iss and client: only the key differs
    a_key, b_key = access_key(pools["tenant-a"][1]), access_key(pools["tenant-b"][1])
    client = app.test_client()
    forged = jwt.encode({"alg": "RS256", "kid": a_key.kid}, claims, a_key)
    refused = client.get("/api/b/reports", headers=bearer(forged))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].endswith(f'error_description="{TokenFault.SIGNATURE.value}"')
    resigned = jwt.encode({"alg": "RS256", "kid": b_key.kid}, claims, b_key)  # the same claims with B's own key pass
    assert client.get("/api/b/reports", headers=bearer(resigned)).json == {"username": "ben"}
