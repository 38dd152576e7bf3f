"""A person in Chromium opens a page behind @fresh_login_required: once the sign-in is older than the page
accepts, the emulator asks for the password again (prompt=login), and the browser comes back to the page."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import emulator_env, idp_and_rp, screenshot, start_emulator
from tests.e2e.test_emulator_browser import sign_in_at_the_hosted_ui

pytestmark = pytest.mark.e2e

#: FRESH_LOGIN_MAX_AGE for this test's app: short enough to wait out, long enough for a sign-in's redirects.
MAX_AGE = 5


@pytest.fixture
def emulator_and_step_up_rp(tmp_path):
    def env(emulator):
        return {**emulator_env(emulator), "FRESH_LOGIN_MAX_AGE": str(MAX_AGE)}

    with idp_and_rp(tmp_path, start_emulator, env, rp_host="localhost") as servers:
        yield servers


def test_an_older_sign_in_is_asked_for_the_password_again_and_returns_to_the_page(page, emulator_and_step_up_rp):
    emulator, rp = emulator_and_step_up_rp
    authorize_requests: list[str] = []
    page.on("request", lambda request: authorize_requests.append(request.url) if "/oauth2/authorize?" in request.url
            else None)
    on_the_login_page = re.compile(re.escape(emulator.url) + r"/login\?")

    page.goto(rp.url + "/security")
    page.wait_for_url(on_the_login_page)
    sign_in_at_the_hosted_ui(page)
    page.wait_for_url(rp.url + "/security")
    expect(page.get_by_role("heading", name="Security settings")).to_be_visible()
    first_sign_in = page.locator("#auth-time").inner_text()
    assert "prompt=login" not in authorize_requests[0]

    time.sleep(MAX_AGE + 1)  # the sign-in is now older than the page accepts; the emulator's session lives on
    page.goto(rp.url + "/security")
    page.wait_for_url(on_the_login_page)
    expect(page.get_by_label("Password")).to_be_visible()  # asked again, despite the emulator's session
    assert "prompt=login" in authorize_requests[-1] and f"max_age={MAX_AGE}" in authorize_requests[-1]
    screenshot(page, "step-up-password-again")
    sign_in_at_the_hosted_ui(page)
    page.wait_for_url(rp.url + "/security")
    expect(page.get_by_role("heading", name="Security settings")).to_be_visible()
    assert page.locator("#auth-time").inner_text() != first_sign_in
    assert '"event": "step_up_required"' in rp.log_text()
