"""A person in Chromium adds a passkey at the emulator after a password sign-in, signs out, and signs
back in to the example app with the passkey alone.

The authenticator is Chromium's virtual one (the DevTools protocol's WebAuthn domain), so the real
navigator.credentials calls run, offline, without a person touching a key. WebAuthn needs a secure
context, which http://localhost is: the pool's domain is served as http://localhost:PORT and its
relying party id is then "localhost" (devidp/config.py, PoolConfig.relying_party_id).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from scripts.processes import free_port, start, stop
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DEMO_USER,
    EmulatorServer,
    Server,
    emulator_env,
    pool_toml,
    screenshot,
    start_rp,
)

pytestmark = pytest.mark.e2e

CLIENT_ID = "8ohtby26b3atnvdl6izvl1ewju"
#: Chromium's virtual platform authenticator: a passkey (resident key) with user verification done.
AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True}


def start_passkey_emulator(tmp, rp_url: str) -> EmulatorServer:
    """The demo pool with passkeys on, its domain on http://localhost."""
    issuer_port, domain_port = free_port(), free_port()
    domain_url = f"http://localhost:{domain_port}"
    passkeys = 'allowed_first_auth_factors = ["PASSWORD", "WEB_AUTHN"]\n'
    config = tmp / "pool.toml"
    config.write_text(pool_toml(rp_url).replace('pool_id = "us-east-1_DevPool01"\n',
                                                f'pool_id = "us-east-1_DevPool01"\n{passkeys}'))
    log = tmp / "devidp.log"
    process = start([sys.executable, "-m", "devidp", "--port", str(issuer_port), "--domain-port", str(domain_port),
                     "--domain-url", domain_url, "--config", str(config),
                     "--instance-path", str(tmp / "devidp-instance")], domain_port, log)
    return EmulatorServer(domain_url, process, log, issuer_base_url=f"http://127.0.0.1:{issuer_port}")


@pytest.fixture
def passkey_emulator_and_rp(tmp_path) -> Iterator[tuple[EmulatorServer, Server]]:
    rp_port = free_port()
    emulator = start_passkey_emulator(tmp_path, f"http://localhost:{rp_port}")
    try:
        rp = start_rp(tmp_path, rp_port, emulator_env(emulator), host="localhost")
        try:
            yield emulator, rp
        finally:
            stop(rp.process)
    finally:
        stop(emulator.process)


def virtual_authenticator(page) -> tuple[object, str]:
    """A CDP session on the page and the id of the virtual authenticator it added."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, added["authenticatorId"]


def test_a_person_adds_a_passkey_and_signs_in_with_it(page, passkey_emulator_and_rp):
    emulator, rp = passkey_emulator_and_rp
    cdp, authenticator_id = virtual_authenticator(page)
    sign_in_page = re.compile(re.escape(emulator.url) + r"/login\?")

    page.goto(rp.url + "/")
    page.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
    page.wait_for_url(sign_in_page)
    page.get_by_label("Username").fill(DEMO_USER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(rp.url + "/")

    # Managed login's /passkeys/add, back to the app's home page (one of its sign-out URLs).
    page.goto(f"{emulator.url}/passkeys/add?" + urlencode({"client_id": CLIENT_ID, "redirect_uri": rp.url + "/"}))
    expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
    screenshot(page, "passkey-add")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(rp.url + "/")
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert [(c["rpId"], c["isResidentCredential"]) for c in credentials] == [("localhost", True)]
    assert "demo added a passkey" in emulator.log_text()

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(rp.url + "/")
    expect(page.get_by_text("You are not signed in")).to_be_visible()

    page.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
    page.wait_for_url(sign_in_page)
    expect(page.get_by_label("Password")).to_be_visible()  # the hosted-UI session ended at sign-out
    screenshot(page, "passkey-sign-in-page")
    page.get_by_role("button", name="Sign in with passkey").click()
    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text("demo")
    expect(page.locator("#email")).to_contain_text("demo@example.com")
    screenshot(page, "signed-in-with-a-passkey")
    assert "demo answered with a passkey" in emulator.log_text()
    signed = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert signed[0]["signCount"] >= 1


def test_a_passkey_the_emulator_does_not_know_is_refused_on_the_page(page, passkey_emulator_and_rp):
    """A passkey for this rp id that was never registered (the emulator restarted, say) gets the page's refusal."""
    emulator, rp = passkey_emulator_and_rp
    cdp, authenticator_id = virtual_authenticator(page)
    cdp.send("WebAuthn.addCredential", {"authenticatorId": authenticator_id, "credential": {
        "credentialId": "dW5rbm93bi1wYXNza2V5", "isResidentCredential": True, "rpId": "localhost",
        "privateKey": _PKCS8_P256_KEY, "userHandle": "c29tZW9uZQ==", "signCount": 0}})
    page.goto(rp.url + "/login")
    page.wait_for_url(re.compile(re.escape(emulator.url) + r"/login\?"))
    page.get_by_role("button", name="Sign in with passkey").click()
    expect(page.get_by_text("Your passkey did not sign you in.")).to_be_visible()
    assert "the passkey is not registered" in emulator.log_text()


def _pkcs8_p256_key() -> str:
    """A fresh EC P-256 private key, PKCS#8 DER in base64, as WebAuthn.addCredential takes it."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return base64.b64encode(der).decode()


_PKCS8_P256_KEY = _pkcs8_p256_key()
