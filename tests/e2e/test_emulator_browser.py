"""A person in Chromium signs in through the local Cognito emulator, sees the session, and signs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USER, screenshot

pytestmark = pytest.mark.e2e


def sign_in_at_the_hosted_ui(page, username: str = DEMO_USER, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()  # not "Sign in with passkey"


def sign_in_see_the_session_and_sign_out(page, emulator_url: str, rp) -> None:
    """The whole journey of a person, from the session page's button to signed out at the emulator too.

    `emulator_url` is the hosted UI's origin; `rp` the app's server (its `url`, its `log_text()`).
    tests/e2e/test_make_run.py takes the same journey on the servers `make run` starts.
    """
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(rp.url + "/")
    page.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
    page.wait_for_url(re.compile(re.escape(emulator_url) + r"/login\?"))
    sign_in_at_the_hosted_ui(page)

    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text("demo")
    expect(page.locator("#email")).to_contain_text("demo@example.com")
    expect(page.locator("#email")).to_contain_text("verified")
    expect(page.locator("#groups li")).to_have_text(["admins", "readers"])
    expect(page.get_by_role("cell", name="id", exact=True)).to_have_count(1)  # the token_use claim's value
    screenshot(page, "signed-in-emulator")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies(rp.url)}
    assert cookies["cognito_session"]["httpOnly"] and cookies["cognito_session"]["sameSite"] == "Lax"

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(rp.url + "/")
    expect(page.get_by_text("You are not signed in")).to_be_visible()
    assert any(url.startswith(f"{emulator_url}/logout?client_id=") for url in requested)

    callback = next(url for url in requested if "/oauth/v2/callback?" in url)
    code = re.search(r"[?&]code=([^&]+)", callback).group(1)
    log = rp.log_text()
    assert '"event": "login_succeeded"' in log and '"event": "logout"' in log
    assert code not in log and "code=" not in log and "/oauth/v2/callback" in log, "paths are logged, never the code"

    # The emulator's hosted-UI session ended too: signing in again asks for the password.
    page.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
    page.wait_for_url(re.compile(re.escape(emulator_url) + r"/login\?"))
    expect(page.get_by_label("Password")).to_be_visible()


def test_sign_in_see_the_session_and_sign_out(page, emulator_and_rp):
    emulator, rp = emulator_and_rp
    sign_in_see_the_session_and_sign_out(page, emulator.url, rp)


def test_a_wrong_password_stays_on_the_login_page(page, emulator_and_rp):
    emulator, rp = emulator_and_rp
    page.goto(rp.url + "/login")
    sign_in_at_the_hosted_ui(page, password="not-the-password")
    expect(page.get_by_text("Incorrect username or password.")).to_be_visible()  # the submit's answer came
    expect(page).to_have_url(re.compile(re.escape(emulator.url) + r"/login\b"))
    sign_in_at_the_hosted_ui(page)
    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text("demo")


def test_a_deep_link_returns_there_after_sign_in(page, emulator_and_rp):
    emulator, rp = emulator_and_rp
    page.goto(rp.url + "/admin")
    page.wait_for_url(re.compile(re.escape(emulator.url) + r"/login\?"))
    sign_in_at_the_hosted_ui(page)
    page.wait_for_url(rp.url + "/admin")
    expect(page.get_by_role("heading", name="Admin area")).to_be_visible()


def test_a_user_outside_the_group_gets_a_clear_403(page, emulator_and_rp):
    emulator, rp = emulator_and_rp
    page.goto(rp.url + "/admin")
    sign_in_at_the_hosted_ui(page, "guest", "GuestPass1!")
    page.wait_for_url(rp.url + "/admin")
    expect(page.get_by_role("heading", name="Forbidden")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("admins")
