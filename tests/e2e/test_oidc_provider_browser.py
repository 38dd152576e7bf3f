"""The same browser flow against an OP we did not write: panva's OpenID-certified oidc-provider.

It signs with its own key, answers with iss in the callback (RFC 9207), keeps email in
userinfo rather than in the ID token, and uses RP-Initiated Logout (OIDC_LOGOUT_STYLE=oidc).
"""

from __future__ import annotations

import re

import pytest

from scripts.processes import free_port, stop
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DEMO_USER,
    emulator_env,
    oidc_provider_env,
    screenshot,
    start_emulator,
    start_oidc_provider,
    start_rp,
)

pytestmark = pytest.mark.e2e


def sign_in_at_the_op(page, login: str) -> None:
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def test_sign_in_and_out_with_oidc_provider(page, op_and_rp):
    op, rp = op_and_rp
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(rp.url + "/")
    page.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
    page.wait_for_url(re.compile(re.escape(op.url) + "/interaction/"))
    sign_in_at_the_op(page, "ada")

    page.wait_for_url(rp.url + "/")
    assert page.locator("#username").inner_text() == "ada"
    assert "ada@example.org" in page.locator("#email").inner_text()
    assert page.get_by_role("cell", name=op.url, exact=True).count() == 1  # the iss claim
    screenshot(page, "signed-in-oidc-provider")

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(re.escape(op.url) + "/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(rp.url + "/")
    assert page.get_by_text("You are not signed in").is_visible()
    end_session = next(url for url in requested if url.startswith(f"{op.url}/session/end?"))
    assert "id_token_hint=" in end_session and "post_logout_redirect_uri=" in end_session
    assert "Sign out failed" not in rp.log_text() and '"status": 500' not in rp.log_text()


def test_two_providers_sign_in_side_by_side(browser, tmp_path):
    """The local Cognito pool from the OIDC_* settings and oidc-provider from a providers file, at once."""
    rp_port = free_port()
    rp_url = f"http://localhost:{rp_port}"  # Cognito allows plain http for localhost only
    emulator = start_emulator(tmp_path, rp_url)
    op = start_oidc_provider(tmp_path, rp_url)
    providers = tmp_path / "providers.toml"
    op_env = oidc_provider_env(op)
    providers.write_text(
        '[providers.partners]\nlabel = "Partner OP"\n'
        f'discovery_url = "{op_env["OIDC_DISCOVERY_URL"]}"\nclient_id = "{op_env["OIDC_CLIENT_ID"]}"\n'
        'client_secret_env = "PARTNERS_SECRET"\nlogout_style = "oidc"\n'
    )
    rp = start_rp(tmp_path, rp_port, {**emulator_env(emulator), "OIDC_PROVIDERS_FILE": str(providers),
                                      "PARTNERS_SECRET": op_env["OIDC_CLIENT_SECRET"]}, host="localhost")
    try:
        cognito_user = browser.new_context().new_page()
        partner_user = browser.new_context().new_page()
        partner_user.context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("http://127.0.0.1", "http://localhost")) else route.abort())

        cognito_user.goto(rp_url + "/")
        cognito_user.get_by_role("link", name="Sign in with Cognito").last.click()
        cognito_user.get_by_label("Username").fill(DEMO_USER)
        cognito_user.get_by_label("Password").fill(DEMO_PASSWORD)
        cognito_user.get_by_role("button", name="Sign in").click()

        partner_user.goto(rp_url + "/")
        partner_user.get_by_role("link", name="Sign in with Partner OP").click()
        sign_in_at_the_op(partner_user, "grace")

        cognito_user.wait_for_url(rp_url + "/")
        partner_user.wait_for_url(rp_url + "/")
        cognito_user.reload()
        assert cognito_user.locator("#username").inner_text() == "demo"
        assert "with Cognito" in cognito_user.get_by_role("main").inner_text()
        assert partner_user.locator("#username").inner_text() == "grace"
        assert "with Partner OP" in partner_user.get_by_role("main").inner_text()
        screenshot(partner_user, "signed-in-second-provider")
        for page in (cognito_user, partner_user):
            page.context.close()
    finally:
        for server in (rp, op, emulator):
            stop(server.process)
