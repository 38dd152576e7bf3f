"""People of two tenants sign in with Chromium to the real app, each at the user pool of their tenant.

Two emulators, one pool each, and the example app whose providers file lists both: tenant A's
users start at its sign-in path (/login/tenant-a, a button on the sign-in page), tenant B's
type their address and its domain (email_domains) sends them to tenant B's pool. Both pools
have an "admins" group; the example's /admin is for the first provider's (tenant A's) admins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scripts.processes import free_port, stop
from tests.e2e.conftest import EmulatorServer, Server, new_page, screenshot, serve_pool, start_rp

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Tenant:
    alias: str
    label: str
    pool_id: str
    client_id: str
    username: str
    password: str
    email: str

    @property
    def client_secret(self) -> str:
        return f"{self.alias}-client-secret-" + "0" * 32


TENANT_A = Tenant("tenant-a", "Tenant A", "us-east-1_TenantA1", "tenantaclient000000000001", "ann", "AnnPass1!",
                  "ann@a.example")
TENANT_B = Tenant("tenant-b", "Tenant B", "us-east-1_TenantB1", "tenantbclient000000000001", "bea", "BeaPass1!",
                  "bea@b.example")


def pool_toml(tenant: Tenant, rp_url: str) -> str:
    """The tenant's pool: one admin, and the app client registered for the app's one callback URL."""
    return f"""
pool_id = "{tenant.pool_id}"

[[users]]
username = "{tenant.username}"
password = "{tenant.password}"
email = "{tenant.email}"
email_verified = true
groups = ["admins"]

[[clients]]
name = "saas-app"
client_id = "{tenant.client_id}"
client_secret = "{tenant.client_secret}"
callback_urls = ["{rp_url}/oauth/v2/callback"]
logout_urls = ["{rp_url}/"]
allowed_scopes = ["openid", "email", "profile"]
allowed_oauth_flows = ["code"]
"""


def start_pool(tmp: Path, tenant: Tenant, rp_url: str) -> EmulatorServer:
    folder = tmp / tenant.alias
    folder.mkdir()
    return serve_pool(folder, pool_toml(tenant, rp_url))


def providers_toml(pools: dict[str, EmulatorServer]) -> str:
    """The app's providers file: a table per tenant, secrets in the environment; tenant B found by address."""
    tables = []
    for tenant in (TENANT_A, TENANT_B):
        tables.append(
            f'[providers.{tenant.alias}]\nlabel = "{tenant.label}"\n'
            f'discovery_url = "{pools[tenant.alias].issuer_base_url}/{tenant.pool_id}/.well-known/openid-configuration"\n'
            f'client_id = "{tenant.client_id}"\nclient_secret_env = "{tenant.alias.upper().replace("-", "_")}_SECRET"\n'
            + ('email_domains = ["b.example"]\n' if tenant is TENANT_B else ""))
    return "\n".join(tables)


@pytest.fixture
def tenants(tmp_path) -> Iterator[tuple[dict[str, EmulatorServer], Server]]:
    """Both tenants' pools and the app (on localhost: Cognito takes plain http callback URLs only there)."""
    rp_port = free_port()
    rp_url = f"http://localhost:{rp_port}"
    started = []
    try:
        pools = {}
        for tenant in (TENANT_A, TENANT_B):
            pools[tenant.alias] = start_pool(tmp_path, tenant, rp_url)
            started.append(pools[tenant.alias])
        (tmp_path / "providers.toml").write_text(providers_toml(pools))
        rp = start_rp(tmp_path, rp_port, {"OIDC_PROVIDERS_FILE": str(tmp_path / "providers.toml"),
                                          "TENANT_A_SECRET": TENANT_A.client_secret,
                                          "TENANT_B_SECRET": TENANT_B.client_secret}, host="localhost")
        started.append(rp)
        yield pools, rp
    finally:
        for server in reversed(started):
            stop(server.process)


def sign_in_at_the_pool(page, pool: EmulatorServer, tenant: Tenant, rp: Server) -> None:
    page.wait_for_url(re.compile(re.escape(pool.url) + r"/login\?"))
    page.get_by_label("Username").fill(tenant.username)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(rp.url + "/")


def test_each_tenant_signs_in_at_its_own_pool(browser, tenants):
    pools, rp = tenants
    with new_page(browser) as page:  # tenant A: its button, that is its sign-in path /login/tenant-a
        page.goto(rp.url + "/")
        expect(page.get_by_role("link", name="Sign in with Tenant B")).to_have_count(0)  # found by address only
        screenshot(page, "tenants-sign-in-page")
        page.get_by_role("link", name="Sign in with Tenant A").click()
        sign_in_at_the_pool(page, pools["tenant-a"], TENANT_A, rp)
        expect(page.locator("#provider")).to_have_text("Tenant A (tenant-a)")
        expect(page.locator("#email")).to_contain_text(TENANT_A.email)
        screenshot(page, "tenant-a-signed-in")
        page.goto(rp.url + "/admin")
        expect(page.get_by_role("heading", name="Admin area")).to_be_visible()

    with new_page(browser) as page:  # tenant B: by the domain of the address typed
        page.goto(rp.url + "/login")
        page.get_by_label("Your work email address").fill(TENANT_B.email)
        page.get_by_role("button", name="Continue").click()
        sign_in_at_the_pool(page, pools["tenant-b"], TENANT_B, rp)
        expect(page.locator("#provider")).to_have_text("Tenant B (tenant-b)")
        expect(page.locator("#groups")).to_contain_text("admins")
        screenshot(page, "tenant-b-signed-in")
        refused = page.goto(rp.url + "/admin")  # tenant B's "admins" are not the ones /admin asks for
        assert refused is not None and refused.status == 403

    with new_page(browser) as page:  # an address of no tenant: asked again, and told why
        page.goto(rp.url + "/login")
        page.get_by_label("Your work email address").fill("carl@c.example")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("alert")).to_contain_text("No organisation signs in here with addresses at c.example")
        expect(page.get_by_label("Your work email address")).to_have_value("carl@c.example")
        screenshot(page, "tenants-address-of-no-tenant")
