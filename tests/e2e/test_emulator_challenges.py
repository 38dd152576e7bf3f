"""A person in Chromium answers the hosted UI's challenges on the way to the real app.

An administrator-created user (FORCE_CHANGE_PASSWORD) must choose a new password that meets
the pool's policy at first sign-in; a user with TOTP MFA enters the authenticator's code
after the password (Cognito developer guide: "Authentication flows", "Adding MFA to a user pool").
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHALLENGE_USERS_TOML, emulator_env, idp_and_rp, screenshot, start_emulator

pytestmark = pytest.mark.e2e

TOTP_SECRET = re.search(r'totp_secret = "(\w+)"', CHALLENGE_USERS_TOML).group(1)


@pytest.fixture
def emulator_and_rp(tmp_path):
    def start(tmp, rp_url):
        return start_emulator(tmp, rp_url, CHALLENGE_USERS_TOML)

    with idp_and_rp(tmp_path, start, emulator_env, rp_host="localhost") as servers:
        yield servers


def sign_in(page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_first_sign_in_asks_for_a_new_password_that_meets_the_policy(page, emulator_and_rp):
    emulator, rp = emulator_and_rp
    page.goto(rp.url + "/login")
    sign_in(page, "newbie", "TempPass1!")
    page.wait_for_url(re.compile(re.escape(emulator.url) + r"/login/new-password\?"))

    page.get_by_label("New Password", exact=True).fill("tooweak")
    page.get_by_label("Enter New Password Again").fill("tooweak")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Password does not conform to policy")

    page.get_by_label("New Password", exact=True).fill("NewbiePass1!")
    page.get_by_label("Enter New Password Again").fill("NewbiePass1!")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text("newbie")
    screenshot(page, "signed-in-after-new-password")

    # The temporary password is gone; the new one signs in without the challenge.
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(rp.url + "/")
    page.goto(rp.url + "/login")
    sign_in(page, "newbie", "TempPass1!")
    expect(page.get_by_text("Incorrect username or password.")).to_be_visible()
    sign_in(page, "newbie", "NewbiePass1!")
    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text("newbie")


def test_a_totp_user_enters_the_code_after_the_password(page, emulator_and_rp):
    emulator, rp = emulator_and_rp
    page.goto(rp.url + "/login")
    sign_in(page, "otpuser", "OtpUserPass1!")
    page.wait_for_url(re.compile(re.escape(emulator.url) + r"/login/mfa\?"))

    totp = pyotp.TOTP(TOTP_SECRET)
    wrong = f"{(int(totp.now()) + 500_000) % 1_000_000:06d}"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect code")

    page.get_by_label("Code").fill(totp.at(time.time()))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(rp.url + "/")
    expect(page.locator("#username")).to_have_text("otpuser")
    screenshot(page, "signed-in-with-totp")
