"""Two devices signed in as one user; "Sign out everywhere" on one signs the other out at its next request."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import new_page, screenshot
from tests.e2e.test_emulator_browser import sign_in_at_the_hosted_ui

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser) -> Iterator[Page]:
    """A second device: a browser context of its own, so no cookie is shared with `page`."""
    with new_page(browser) as page:
        yield page


def sign_in(device: Page, emulator, rp) -> None:
    device.goto(rp.url + "/")
    device.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
    device.wait_for_url(re.compile(re.escape(emulator.url) + r"/login\?"))
    sign_in_at_the_hosted_ui(device)
    device.wait_for_url(rp.url + "/")
    expect(device.locator("#username")).to_have_text("demo")


def test_sign_out_everywhere_signs_the_other_device_out(page, phone, emulator_and_rp):
    emulator, rp = emulator_and_rp
    laptop = page
    sign_in(laptop, emulator, rp)
    sign_in(phone, emulator, rp)
    assert phone.request.get(rp.url + "/api/me").status == 200

    laptop.get_by_role("button", name="Sign out everywhere").click()
    laptop.wait_for_url(rp.url + "/")
    expect(laptop.get_by_text("You are not signed in")).to_be_visible()

    phone.reload()  # the phone's next request
    expect(phone.get_by_text("You are not signed in")).to_be_visible()
    screenshot(phone, "signed-out-everywhere-second-device")
    assert phone.request.get(rp.url + "/api/me").status == 401
    assert '"event": "logout_everywhere"' in rp.log_text()
