"""A person in Chromium signs in and out through the emulator's load balancer, in front of the app in
COGNITO_SIGNIN_MODE=alb; the same app reached straight, without the ALB, signs nobody in.

The emulator (python -m devidp --alb-target …) plays the pool and the ALB; the app runs
under gunicorn, as in production, and knows only the ALB's URL.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from devidp.alb import default_arn
from scripts.processes import free_port, start, stop, wait_for_port
from tests.e2e.conftest import ROOT, Server, new_page, screenshot, start_rp
from tests.e2e.test_emulator_browser import sign_in_at_the_hosted_ui

pytestmark = pytest.mark.e2e

ALB_CLIENT_ID = "qmlthb7j5i0t47rgc2b6haeuw9"  # devidp/pool.toml's sign-in-with-cognito-alb


@dataclass
class BehindTheALB:
    alb_url: str
    emulator_url: str
    rp: Server  # reached straight, at rp.url
    emulator: Server


@pytest.fixture
def behind_the_alb(tmp_path: Path) -> Iterator[BehindTheALB]:
    issuer_port, domain_port, alb_port, rp_port = (free_port() for _ in range(4))
    alb_url = f"http://localhost:{alb_port}"
    config = tmp_path / "pool.toml"
    config.write_text((ROOT / "devidp" / "pool.toml").read_text().replace("http://localhost:9280", alb_url))
    log = tmp_path / "devidp.log"
    emulator = start([sys.executable, "-m", "devidp", "--port", str(issuer_port), "--domain-port", str(domain_port),
                      "--config", str(config), "--instance-path", str(tmp_path / "devidp-instance"),
                      "--alb-target", f"http://127.0.0.1:{rp_port}", "--alb-port", str(alb_port)], issuer_port, log)
    try:
        wait_for_port(alb_port, process=emulator)
        issuer = f"http://127.0.0.1:{issuer_port}"
        rp = start_rp(tmp_path, rp_port, {
            "COGNITO_SIGNIN_MODE": "alb",
            "ALB_ARN": default_arn("us-east-1"),
            "ALB_PUBLIC_KEYS_URL": f"{issuer}/elb-public-keys",
            "OIDC_DISCOVERY_URL": f"{issuer}/us-east-1_DevPool01/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": ALB_CLIENT_ID,
            "APP_BASE_URL": alb_url,
            "TRUSTED_PROXY_COUNT": "1",
        })
        try:
            yield BehindTheALB(alb_url, f"http://127.0.0.1:{domain_port}", Server(f"http://127.0.0.1:{rp_port}",
                               rp.process, rp.log), Server(issuer, emulator, log))
        finally:
            stop(rp.process)
    finally:
        stop(emulator)


def test_sign_in_and_out_through_the_load_balancer(page, behind_the_alb):
    alb_url, emulator_url = behind_the_alb.alb_url, behind_the_alb.emulator_url
    page.goto(alb_url + "/admin")
    page.wait_for_url(re.compile(re.escape(emulator_url) + r"/login\?"))  # the ALB sent the browser to sign in
    sign_in_at_the_hosted_ui(page)

    page.wait_for_url(alb_url + "/admin")
    expect(page.get_by_role("heading", name="Admin area")).to_be_visible()
    page.goto(alb_url + "/")
    expect(page.locator("#username")).to_have_text("demo")
    expect(page.locator("#signed-in-by")).to_contain_text("Signed in by the load balancer")
    expect(page.locator("#groups li")).to_have_text(["admins", "readers"])
    screenshot(page, "signed-in-behind-the-alb")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies(alb_url)}
    assert cookies["AWSELBAuthSessionCookie-0"]["httpOnly"]

    page.get_by_role("button", name="Sign out", exact=True).click()
    # The ALB's cookie expired, Cognito's /logout ended the hosted-UI session, and the ALB asks to sign in again.
    page.wait_for_url(re.compile(re.escape(emulator_url) + r"/login\?"))
    expect(page.get_by_label("Password")).to_be_visible()
    assert "AWSELBAuthSessionCookie-0" not in {cookie["name"] for cookie in page.context.cookies(alb_url)}
    log = behind_the_alb.rp.log_text()
    assert '"signed_in_by": "alb"' in log and '"event": "logout"' in log


def test_the_app_reached_straight_signs_nobody_in(browser, behind_the_alb):
    rp = behind_the_alb.rp
    with new_page(browser) as page:
        page.goto(rp.url + "/")
        expect(page.get_by_text("You are not signed in")).to_be_visible()
        page.get_by_role("main").get_by_role("link", name="Sign in with Cognito").click()
        # /login starts no sign-in of the app's own: on loopback it moves to APP_BASE_URL, the ALB, which does.
        page.wait_for_url(re.compile(re.escape(behind_the_alb.emulator_url) + r"/login\?"))
        assert "redirect_uri=" + quote(behind_the_alb.alb_url + "/oauth2/idpresponse", safe="") in page.url
    with new_page(browser) as page:
        page.context.set_extra_http_headers({"X-Amzn-Oidc-Identity": "f8175d3d-24d9-4922-9557-17215d073071"})
        response = page.goto(rp.url + "/")
        assert response.status == 401
        expect(page.get_by_role("main")).to_contain_text("could not be verified")
