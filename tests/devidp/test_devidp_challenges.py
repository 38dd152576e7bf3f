"""First sign-in of an administrator-created user, and TOTP MFA, on the hosted UI.

Cognito developer guide, "Authentication flows" (NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA)
and "Adding MFA to a user pool"; RFC 6238 for the codes.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pyotp
import pytest

from devidp.config import ConfigError, User
from tests.support.clock import Clock

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
START = 1_800_000_015.0  # 15 s into a 30 s time step
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


@pytest.fixture
def clock():
    return Clock(START)


@pytest.fixture
def driver(make_hosted_ui, pool, clock):
    users = (
        User(username="newbie", password="TempPass1!", status="FORCE_CHANGE_PASSWORD"),
        User(username="otp", password="OtpUserPass1!", totp_secret=SECRET),
        User(username="both", password="TempPass1!", status="FORCE_CHANGE_PASSWORD", totp_secret=SECRET),
    )
    return make_hosted_ui(replace(pool, users=pool.users + users), clock=clock)


def post(driver, page, **fields):
    """Submit the form on ``page`` (with its CSRF token) with ``fields``."""
    body = page.get_data(as_text=True)
    fields.setdefault("csrf_token", _CSRF.search(body).group(1))
    return driver.http.post(html.unescape(_ACTION.search(body).group(1)), data=fields)


def password_step(driver, username, password, **params):
    """Sign in with the password; the redirect that answers it."""
    page = driver.login_page(driver.params(**params))
    return driver.submit(page, username, password)


def code(at: float, offset_steps: int = 0) -> str:
    return pyotp.TOTP(SECRET).at(at + 30 * offset_steps)


def test_force_change_password_asks_for_a_new_one_first(driver, verify_jwt):
    """NEW_PASSWORD_REQUIRED: the temporary password leads to the new-password page, not
    to the client; the new one must meet the policy and be typed twice; then the code comes,
    the user is CONFIRMED and signs in with the new password from then on."""
    answer = password_step(driver, "newbie", "TempPass1!", state="s1")
    assert answer.status_code == 302 and driver.path(answer.location) == "/login/new-password"
    page = driver.http.get(answer.location)
    assert "Change Password" in page.get_data(as_text=True)

    weak = post(driver, page, password="weakpass", confirmation="weakpass")
    assert "Password does not conform to policy" in weak.get_data(as_text=True)
    differ = post(driver, page, password="NewbiePass1!", confirmation="NewbiePass2!")
    assert "The passwords do not match." in differ.get_data(as_text=True)

    done = post(driver, page, password="NewbiePass1!", confirmation="NewbiePass1!")
    assert done.status_code == 302
    answer = driver.query(done.location)
    assert answer["state"] == "s1" and answer["code"]
    user = driver.http.application.extensions["devidp"].pool.user("newbie")
    assert user.status == "CONFIRMED" and user.check_password("NewbiePass1!")
    assert password_step(driver, "newbie", "TempPass1!").status_code == 200  # the form again


def test_the_new_password_step_cannot_be_skipped(driver):
    """No hosted-UI session and no code exist before the new password is set: authorize
    still asks to sign in, and the MFA page does not answer this sign-in's challenge."""
    answer = password_step(driver, "newbie", "TempPass1!")
    assert driver.path(answer.location) == "/login/new-password"
    assert driver.path(driver.authorize(driver.params()).location) == "/login"
    skipped = driver.http.get(answer.location.replace("/login/new-password", "/login/mfa"))
    assert skipped.status_code == 400 and "sign in again" in skipped.get_data(as_text=True)
    assert "Location" not in skipped.headers


def test_totp_user_enters_the_code_after_the_password(driver, clock, verify_jwt):
    """SOFTWARE_TOKEN_MFA: after the password, the 6-digit code from the user's secret;
    a wrong one keeps the user on the page, the right one brings the code to the client."""
    answer = password_step(driver, "otp", "OtpUserPass1!", state="s2")
    assert driver.path(answer.location) == "/login/mfa"
    assert driver.path(driver.authorize(driver.params()).location) == "/login"
    page = driver.http.get(answer.location)
    assert 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    wrong = post(driver, page, code=code(clock(), offset_steps=5))
    assert wrong.status_code == 200 and "Incorrect code" in wrong.get_data(as_text=True)
    done = post(driver, page, code=code(clock()))
    assert done.status_code == 302 and driver.query(done.location)["state"] == "s2"
    tokens = driver.token({
        "grant_type": "authorization_code",
        "code": driver.query(done.location)["code"],
        "redirect_uri": driver.client.callback_urls[0],
        "code_verifier": driver.verifiers["s2"],
    }).get_json()
    assert verify_jwt(tokens["id_token"]).claims["cognito:username"] == "otp"


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_codes_one_step_from_now_are_accepted(driver, clock, offset, accepted):
    """RFC 6238 section 5.2: one time step of drift either way, no more."""
    page = driver.http.get(password_step(driver, "otp", "OtpUserPass1!").location)
    answer = post(driver, page, code=code(clock(), offset))
    assert (answer.status_code == 302) is accepted


def test_a_code_is_accepted_once(driver, clock):
    """RFC 6238 section 5.2: the verifier must not accept a code a second time."""
    first = driver.http.get(password_step(driver, "otp", "OtpUserPass1!").location)
    assert post(driver, first, code=code(clock())).status_code == 302
    driver.http.get("http://127.0.0.1:9230/logout?client_id=8ohtby26b3atnvdl6izvl1ewju&logout_uri=http://localhost:5000/")
    again = driver.http.get(password_step(driver, "otp", "OtpUserPass1!").location)
    assert "Incorrect code" in post(driver, again, code=code(clock())).get_data(as_text=True)
    clock.advance(30)
    assert post(driver, again, code=code(clock())).status_code == 302


def test_too_many_wrong_codes_start_the_sign_in_over(driver, clock):
    page = driver.http.get(password_step(driver, "otp", "OtpUserPass1!").location)
    for _ in range(4):
        assert "Incorrect code" in post(driver, page, code="000000").get_data(as_text=True)
    last = post(driver, page, code="000000")
    assert last.status_code == 400 and "Too many failed attempts" in last.get_data(as_text=True)
    assert post(driver, page, code=code(clock())).status_code == 400  # that challenge is over


def test_the_challenge_expires_after_three_minutes(driver, clock):
    """Cognito's AuthSessionValidity default: 3 minutes to answer."""
    page = driver.http.get(password_step(driver, "otp", "OtpUserPass1!").location)
    clock.advance(181)
    assert post(driver, page, code=code(clock())).status_code == 400


def test_new_password_then_code(driver, clock):
    """A FORCE_CHANGE_PASSWORD user with MFA: the new password first, then the code."""
    page = driver.http.get(password_step(driver, "both", "TempPass1!").location)
    answer = post(driver, page, password="BothPass1!x", confirmation="BothPass1!x")
    assert driver.path(answer.location) == "/login/mfa"
    assert post(driver, driver.http.get(answer.location), code=code(clock())).status_code == 302


@pytest.mark.parametrize("secret", ["not base32!", "JBSWY3DP", 42])
def test_totp_secrets_must_be_base32_of_128_bits(secret):
    with pytest.raises(ConfigError, match="totp_secret"):
        User(username="x", password="XyzPass1!x", totp_secret=secret)
