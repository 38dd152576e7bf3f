"""A person in Chromium signs in to the real app through two chained emulators.

The app's pool (downstream) has a second emulated pool as an OpenID Connect identity provider
("Corp"): its sign-in page links to Corp, Corp's hosted UI takes the password, and the app gets
the federated user Corp_<sub> (Cognito developer guide: "Using OIDC identity providers with a
user pool", "OIDC user pool IdP authentication flow").

Host names: the app and the pool's domain are on localhost (Cognito accepts plain http callback
URLs only there, for the app's callback and for Corp's /oauth2/idpresponse), Corp on 127.0.0.1,
so that the two emulators' hosted-UI cookies stay apart.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scripts.processes import free_port, start, stop
from tests.e2e.conftest import EmulatorServer, emulator_env, pool_toml, screenshot, start_rp

pytestmark = pytest.mark.e2e

UPSTREAM_POOL = "us-east-1_CorpPool1"
ALICE_SUB = "0b6f6f1e-5d59-4c1e-9a43-6c1d2f7e8a90"
UPSTREAM_CLIENT_ID, UPSTREAM_SECRET = "devpoolatcorp", "DevPoolAtCorpSecret00000000000001"


def _upstream_toml(idp_response: str) -> str:
    return f"""
pool_id = "{UPSTREAM_POOL}"

[[users]]
username = "alice"
password = "AlicePass1!"
sub = "{ALICE_SUB}"
email = "alice@corp.example"
email_verified = true
[users.attributes]
name = "Alice Corp"

[[clients]]
name = "dev-pool"
client_id = "{UPSTREAM_CLIENT_ID}"
client_secret = "{UPSTREAM_SECRET}"
callback_urls = ["{idp_response}"]
"""


def _downstream_toml(rp_url: str, upstream_issuer: str) -> str:
    """The demo pool, its first client (the app's) supporting COGNITO and Corp."""
    text = pool_toml(rp_url).replace(
        'allowed_oauth_flows = ["code"]\n',
        'allowed_oauth_flows = ["code"]\nsupported_identity_providers = ["COGNITO", "Corp"]\n',
        1,
    )
    return text + f"""
[[identity_providers]]
name = "Corp"
issuer = "{upstream_issuer}"
client_id = "{UPSTREAM_CLIENT_ID}"
client_secret = "{UPSTREAM_SECRET}"
scopes = ["openid", "email", "profile"]
[identity_providers.attribute_mapping]
email = "email"
email_verified = "email_verified"
name = "name"
"""


def _emulator(
    tmp: Path, name: str, config: str, issuer_port: int, domain_port: int, domain_host: str
) -> EmulatorServer:
    folder = tmp / name
    folder.mkdir()
    (folder / "pool.toml").write_text(config)
    domain_url = f"http://{domain_host}:{domain_port}"
    log = folder / "devidp.log"
    process = start(
        [sys.executable, "-m", "devidp", "--port", str(issuer_port), "--domain-port", str(domain_port),
         "--domain-url", domain_url, "--config", str(folder / "pool.toml"),
         "--instance-path", str(folder / "instance")],
        domain_port,
        log,
    )
    return EmulatorServer(domain_url, process, log, issuer_base_url=f"http://127.0.0.1:{issuer_port}")


@pytest.fixture
def chained(tmp_path):
    """Corp (upstream), the app's pool (downstream) and the app, on free ports."""
    rp_port, issuer_port, domain_port = free_port(), free_port(), free_port()
    rp_url = f"http://localhost:{rp_port}"
    idp_response = f"http://localhost:{domain_port}/oauth2/idpresponse"
    servers = []
    try:
        corp = _emulator(
            tmp_path, "corp", _upstream_toml(idp_response), free_port(), free_port(), "127.0.0.1"
        )
        servers.append(corp)
        pool = _emulator(
            tmp_path,
            "pool",
            _downstream_toml(rp_url, f"{corp.issuer_base_url}/{UPSTREAM_POOL}"),
            issuer_port,
            domain_port,
            "localhost",
        )
        servers.append(pool)
        rp = start_rp(tmp_path, rp_port, emulator_env(pool), host="localhost")
        servers.append(rp)
        yield corp, pool, rp
    finally:
        for server in reversed(servers):
            stop(server.process)


def test_the_app_signs_a_user_in_through_the_pools_identity_provider(page, chained):
    corp, pool, rp = chained
    page.goto(rp.url + "/login")
    page.wait_for_url(re.compile(re.escape(pool.url) + r"/login\?"))
    expect(page.get_by_role("heading", name="Sign in with your corporate ID")).to_be_visible()
    page.get_by_role("link", name="Corp").click()

    page.wait_for_url(re.compile(re.escape(corp.url) + r"/login\?"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("AlicePass1!")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text(f"Corp_{ALICE_SUB}")
    expect(page.locator("#email")).to_contain_text("alice@corp.example")  # mapped from Corp
    expect(page.locator("#groups")).to_contain_text("us-east-1_DevPool01_Corp")
    screenshot(page, "signed-in-through-an-identity-provider")
