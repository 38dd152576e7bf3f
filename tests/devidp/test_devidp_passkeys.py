"""Passkeys on the hosted UI: added at /passkeys/add after a password sign-in, then signing in at /login.

Cognito developer guide, "Authentication flows" (passkey sign-in) and "User-interactive managed
login and classic hosted UI endpoints" (/passkeys/add); W3C Web Authentication sections 7.1 and
7.2 for what the relying party checks. The browser and its authenticator are played by Flask's
test client and tests/support/soft_authenticator.py, so each check can be given a wrong answer.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
import secrets
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
from flask.testing import FlaskClient

from devidp.config import User
from tests.support.soft_authenticator import SoftAuthenticator

DOMAIN = "http://localhost:9230"
APP_HOME = "http://localhost:5000/"
PASSWORDS = {"demo": "DemoPass1!", "guest": "GuestPass1!", "otp": "OtpUserPass1!"}
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_REFUSED = "Your passkey did not sign you in."
#: Claims that differ between any two sign-ins, whatever the method.
_PER_SIGN_IN = {"iat", "exp", "auth_time", "jti", "nonce", "at_hash", "origin_jti", "event_id"}


@pytest.fixture
def passkey_pool(pool):
    """The demo pool on http://localhost (a secure context, a domain for the rp id), with passkeys."""
    otp = User(username="otp", password=PASSWORDS["otp"], totp_secret=TOTP_SECRET)
    return replace(pool, domain_url=DOMAIN, allowed_first_auth_factors=("PASSWORD", "WEB_AUTHN"),
                   users=(*pool.users, otp))


@pytest.fixture
def emulator(make_emulator, passkey_pool):
    return make_emulator(passkey_pool)


class Browser:
    """One browser (its own cookies) at the hosted UI, with the demo app's client."""

    def __init__(self, http: FlaskClient, client) -> None:
        self.http = http
        self.client = client
        self.verifier = ""

    def params(self) -> dict[str, str]:
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        return {"response_type": "code", "client_id": self.client.client_id, "redirect_uri": self.client.callback_urls[0],
                "scope": "openid email profile", "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
                "code_challenge": challenge, "code_challenge_method": "S256"}

    def csrf(self, page) -> str:
        return _CSRF.search(page.get_data(as_text=True)).group(1)

    def sign_in_with_password(self, username: str = "demo"):
        query = urlencode(self.params())
        page = self.http.get(f"{DOMAIN}/login?{query}")
        return self.http.post(f"{DOMAIN}/login?{query}", data={
            "csrf_token": self.csrf(page), "username": username, "password": PASSWORDS[username]})

    def add_page(self, redirect_uri: str = APP_HOME):
        return self.http.get(f"{DOMAIN}/passkeys/add?" + self.add_query(redirect_uri))

    def add_query(self, redirect_uri: str = APP_HOME) -> str:
        return urlencode({"client_id": self.client.client_id, "redirect_uri": redirect_uri})

    def fetch_options(self, url: str, csrf: str, username: str = ""):
        return self.http.post(url, json={"username": username}, headers={"X-CSRFToken": csrf})

    def registration_options(self) -> tuple[dict, str]:
        csrf = self.csrf(self.add_page())
        response = self.fetch_options(f"{DOMAIN}/passkeys/add/options?" + self.add_query(), csrf)
        assert response.status_code == 200, response.get_json()
        return response.get_json(), csrf

    def post_registration(self, answer: str, csrf: str):
        return self.http.post(f"{DOMAIN}/passkeys/add?" + self.add_query(), data={"csrf_token": csrf, "credential": answer})

    def add_passkey(self, authenticator: SoftAuthenticator, **wrong: str):
        options, csrf = self.registration_options()
        return self.post_registration(authenticator.create(options, **wrong), csrf)

    def sign_in_options(self, username: str = "") -> tuple[dict, str, str]:
        query = urlencode(self.params())
        csrf = self.csrf(self.http.get(f"{DOMAIN}/login?{query}"))
        response = self.fetch_options(f"{DOMAIN}/login/passkey/options?{query}", csrf, username)
        assert response.status_code == 200, response.get_json()
        return response.get_json(), csrf, query

    def post_sign_in(self, answer: str, csrf: str, query: str):
        return self.http.post(f"{DOMAIN}/login/passkey?{query}", data={"csrf_token": csrf, "credential": answer})

    def sign_in_with_passkey(self, authenticator: SoftAuthenticator, username: str = "", **wrong):
        options, csrf, query = self.sign_in_options(username)
        return self.post_sign_in(authenticator.get(options, **wrong), csrf, query)

    def session_cookie(self) -> str:
        """The hosted-UI session cookie as it is now: Flask keeps the session in it, signed, not secret."""
        return self.http.get_cookie("devidp_session").value

    def replay(self, cookie: str) -> None:
        """Send an earlier session cookie again, as anyone who kept a copy of it can."""
        self.http.set_cookie("devidp_session", cookie)

    def sign_out(self) -> None:
        query = urlencode({"client_id": self.client.client_id, "logout_uri": APP_HOME})
        assert self.http.get(f"{DOMAIN}/logout?{query}").status_code == 302

    def tokens(self, answer) -> dict:
        assert answer.status_code == 302 and answer.location.startswith(self.client.callback_urls[0]), answer.location
        code = parse_qs(urlsplit(answer.location).query)["code"][0]
        response = self.http.post(f"{DOMAIN}/oauth2/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.client.callback_urls[0],
            "code_verifier": self.verifier, "client_id": self.client.client_id,
            "client_secret": self.client.client_secret})
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def browser(emulator, passkey_pool) -> Browser:
    return Browser(emulator.domain.test_client(), passkey_pool.default_client)


@pytest.fixture
def other_browser(emulator, passkey_pool) -> Browser:
    return Browser(emulator.domain.test_client(), passkey_pool.default_client)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(DOMAIN)


@pytest.fixture
def registered(browser, authenticator) -> SoftAuthenticator:
    """demo's passkey, added after a password sign-in; the browser signed out again."""
    assert browser.sign_in_with_password().status_code == 302
    added = browser.add_passkey(authenticator)
    assert added.status_code == 302 and added.location == APP_HOME, added.get_data(as_text=True)
    browser.sign_out()
    return authenticator


def refused(response) -> bool:
    """The sign-in page again, with the refusal, and no code for the app."""
    return response.status_code == 400 and _REFUSED in html.unescape(response.get_data(as_text=True))


def reasons(caplog) -> str:
    return " | ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_the_sign_in_page_offers_a_passkey_with_its_own_script(browser):
    page = browser.http.get(f"{DOMAIN}/login?" + urlencode(browser.params()))
    body = page.get_data(as_text=True)
    assert "Sign in with passkey" in body and 'data-passkey="get"' in body
    assert '<script src="/static/passkeys.js" defer></script>' in body
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert browser.http.get(f"{DOMAIN}/static/passkeys.js").status_code == 200


def test_a_registered_passkey_signs_in_with_the_tokens_a_password_gives(browser, registered, verify_jwt):
    by_password = browser.tokens(browser.sign_in_with_password())
    browser.sign_out()
    by_passkey = browser.tokens(browser.sign_in_with_passkey(registered))
    for kind in ("id_token", "access_token"):
        password_claims = verify_jwt(by_password[kind]).claims
        passkey_claims = verify_jwt(by_passkey[kind]).claims
        assert {k: v for k, v in passkey_claims.items() if k not in _PER_SIGN_IN} == {
            k: v for k, v in password_claims.items() if k not in _PER_SIGN_IN}
    assert verify_jwt(by_passkey["id_token"]).claims["cognito:username"] == "demo"
    # The hosted-UI session began: the next authorization needs neither passkey nor password.
    silent = browser.http.get(f"{DOMAIN}/oauth2/authorize?" + urlencode(browser.params()))
    assert "code=" in silent.location


def test_the_registration_options_are_for_a_discoverable_passkey_of_the_signed_in_user(browser, emulator):
    browser.sign_in_with_password()
    options, _ = browser.registration_options()
    assert options["rp"] == {"id": "localhost", "name": "us-east-1_DevPool01"}
    assert options["user"]["name"] == "demo" and options["user"]["displayName"] == "Demo User"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["challenge"] and options["excludeCredentials"] == []


def test_a_passkey_is_registered_once(browser, authenticator, caplog):
    browser.sign_in_with_password()
    assert browser.add_passkey(authenticator).status_code == 302
    options, csrf = browser.registration_options()
    assert [c["id"] for c in options["excludeCredentials"]] == [
        base64.urlsafe_b64encode(authenticator.credential_id).rstrip(b"=").decode()]
    assert browser.post_registration(authenticator.create(options), csrf).status_code == 400
    assert "registered already" in reasons(caplog)


def test_a_typed_user_name_asks_for_that_users_passkeys_only(browser, registered):
    options, _, _ = browser.sign_in_options("DEMO")
    assert [c["id"] for c in options["allowCredentials"]] == [
        base64.urlsafe_b64encode(registered.credential_id).rstrip(b"=").decode()]
    assert browser.sign_in_options()[0]["allowCredentials"] == []
    assert browser.sign_in_options("nobody")[0]["allowCredentials"] == []


def test_with_the_user_name_typed_first_the_passkey_signs_in(browser, registered):
    assert browser.tokens(browser.sign_in_with_passkey(registered, username="demo"))


@pytest.mark.parametrize("ceremony", ["registration", "sign-in"])
def test_an_answer_from_another_origin_is_refused(browser, authenticator, ceremony, caplog):
    """WebAuthn 7.1 step 9 and 7.2 step 13: clientDataJSON.origin must be the pool domain's origin."""
    browser.sign_in_with_password()
    if ceremony == "registration":
        response = browser.add_passkey(authenticator, origin="http://localhost:5000")
        assert response.status_code == 400 and "The passkey was not added." in response.get_data(as_text=True)
        assert not browser.http.application.extensions["devidp"].passkeys.of_user("demo")
    else:
        assert browser.add_passkey(authenticator).status_code == 302
        assert refused(browser.sign_in_with_passkey(authenticator, origin="http://localhost:5000"))
    assert "origin" in reasons(caplog)


@pytest.mark.parametrize("ceremony", ["registration", "sign-in"])
def test_an_answer_for_another_relying_party_id_is_refused(browser, authenticator, ceremony, caplog):
    """WebAuthn 7.1 step 13 and 7.2 step 15: the authenticator data's rpIdHash must be the pool's rp id's."""
    browser.sign_in_with_password()
    if ceremony == "registration":
        assert browser.add_passkey(authenticator, rp_id="example.com").status_code == 400
    else:
        assert browser.add_passkey(authenticator).status_code == 302
        assert refused(browser.sign_in_with_passkey(authenticator, rp_id="example.com"))
    assert "RP ID" in reasons(caplog)


def test_a_sign_in_challenge_is_answered_once(browser, registered, caplog):
    """Even with the session cookie that held it sent again, and a fresh signature (a new sign
    count) over the same challenge: the server forgets a challenge once it is answered."""
    options, csrf, query = browser.sign_in_options()
    cookie = browser.session_cookie()
    first, second = registered.get(options), registered.get(options)
    assert browser.tokens(browser.post_sign_in(first, csrf, query))
    browser.replay(cookie)
    assert refused(browser.post_sign_in(second, csrf, query))
    assert "no live sign-in challenge" in reasons(caplog)


def test_a_challenge_refused_once_is_not_answered_again(browser, registered):
    options, csrf, query = browser.sign_in_options()
    cookie = browser.session_cookie()
    assert refused(browser.post_sign_in(registered.get(options, origin="http://evil.localhost"), csrf, query))
    browser.replay(cookie)
    assert refused(browser.post_sign_in(registered.get(options), csrf, query))


def test_a_registration_challenge_is_answered_once(browser, authenticator, caplog):
    browser.sign_in_with_password()
    options, csrf = browser.registration_options()
    cookie = browser.session_cookie()
    assert browser.post_registration(authenticator.create(options), csrf).status_code == 302
    browser.replay(cookie)
    assert browser.post_registration(SoftAuthenticator(DOMAIN).create(options), csrf).status_code == 400
    assert "no live registration challenge" in reasons(caplog)
    assert len(browser.http.application.extensions["devidp"].passkeys.of_user("demo")) == 1


def test_a_registration_started_for_one_user_is_not_finished_by_another(browser, authenticator, caplog):
    """The passkey goes to the user the challenge was issued to, not to whoever is signed in when it comes back."""
    browser.sign_in_with_password("demo")
    options, csrf = browser.registration_options()
    browser.sign_in_with_password("guest")  # the same browser, now signed in as guest
    assert browser.post_registration(authenticator.create(options), csrf).status_code == 400
    assert "no live registration challenge for guest" in reasons(caplog)
    assert not browser.http.application.extensions["devidp"].passkeys.of_user("guest")


def test_the_challenge_belongs_to_the_browser_that_fetched_it(browser, other_browser, registered, caplog):
    options, _, query = browser.sign_in_options()
    other_csrf = other_browser.csrf(other_browser.http.get(f"{DOMAIN}/login?{query}"))
    assert refused(other_browser.post_sign_in(registered.get(options), other_csrf, query))
    assert "no live sign-in challenge" in reasons(caplog)


def test_a_sign_in_challenge_does_not_register_a_passkey(browser, authenticator, caplog):
    browser.sign_in_with_password()
    options, csrf = browser.registration_options()
    sign_in = browser.fetch_options(f"{DOMAIN}/login/passkey/options?" + urlencode(browser.params()), csrf).get_json()
    answer = authenticator.create({**options, "challenge": sign_in["challenge"]})
    assert browser.post_registration(answer, csrf).status_code == 400
    assert "no live registration challenge" in reasons(caplog)


def test_an_unknown_passkey_is_refused(browser, registered, caplog):
    assert refused(browser.sign_in_with_passkey(SoftAuthenticator(DOMAIN)))
    assert "not registered" in reasons(caplog)


def test_the_passkey_of_another_user_is_refused(browser, registered, caplog):
    """WebAuthn 7.2 step 6: with a user named first, the credential must be one of that user's."""
    assert refused(browser.sign_in_with_passkey(registered, username="guest"))
    assert "not one of the named user's" in reasons(caplog)


def test_a_passkey_answering_with_another_users_handle_is_refused(browser, registered, caplog):
    """WebAuthn 7.2 step 6: the user handle the authenticator returns must be the credential owner's."""
    guest = SoftAuthenticator(DOMAIN)
    browser.sign_in_with_password("guest")
    assert browser.add_passkey(guest).status_code == 302
    browser.sign_out()
    assert refused(browser.sign_in_with_passkey(registered, user_handle=guest.user_handle))
    assert "user handle" in reasons(caplog)


def test_a_passkey_chosen_without_a_user_name_must_say_whose_it_is(browser, registered, caplog):
    """WebAuthn 7.2 step 6: with nobody named first, only the user handle ties the passkey to a user."""
    assert refused(browser.sign_in_with_passkey(registered, send_user_handle=False))
    assert "returned no user handle" in reasons(caplog)
    assert browser.tokens(browser.sign_in_with_passkey(registered, username="demo", send_user_handle=False))


def test_a_cloned_authenticator_is_refused_by_its_sign_count(browser, registered, caplog):
    """WebAuthn 7.2 step 21: a counter that does not move forward means a copy of the key."""
    assert browser.tokens(browser.sign_in_with_passkey(registered))
    browser.sign_out()
    registered.sign_count = 0
    assert refused(browser.sign_in_with_passkey(registered))
    assert "sign count" in reasons(caplog)


def test_a_disabled_users_passkey_is_refused_and_a_deleted_users_is_gone(emulator, browser, registered):
    emulator.emulator.directory.disable("demo")
    assert refused(browser.sign_in_with_passkey(registered))
    emulator.emulator.directory.delete("demo")
    emulator.emulator.directory.add(User(username="demo", password=PASSWORDS["demo"]))
    assert emulator.emulator.passkeys.find(registered.credential_id) is None
    assert refused(browser.sign_in_with_passkey(registered))


def test_a_totp_user_still_gives_the_code_after_the_passkey(browser):
    """The steps after the password stay: a passkey never signs in with less than the password would."""
    authenticator = SoftAuthenticator(DOMAIN)
    mfa = browser.http.get(browser.sign_in_with_password("otp").location)
    done = browser.http.post(f"{DOMAIN}{urlsplit(mfa.request.url).path}?{urlsplit(mfa.request.url).query}",
                             data={"csrf_token": browser.csrf(mfa), "code": pyotp.TOTP(TOTP_SECRET).now()})
    assert done.status_code == 302 and "code=" in done.location
    assert browser.add_passkey(authenticator).status_code == 302
    browser.sign_out()
    answer = browser.sign_in_with_passkey(authenticator)
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/login/mfa"


def test_required_user_verification_refuses_a_passkey_that_did_not_verify(make_emulator, passkey_pool):
    strict = replace(passkey_pool, webauthn_user_verification="required")
    browser = Browser(make_emulator(strict).domain.test_client(), strict.default_client)
    browser.sign_in_with_password()
    options, csrf = browser.registration_options()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert browser.post_registration(SoftAuthenticator(DOMAIN, user_verified=False).create(options), csrf).status_code == 400


def test_options_are_fetched_as_json_with_the_pages_csrf_token(browser):
    query = urlencode(browser.params())
    csrf = browser.csrf(browser.http.get(f"{DOMAIN}/login?{query}"))
    url = f"{DOMAIN}/login/passkey/options?{query}"
    assert browser.http.post(url, json={}).status_code == 400
    assert browser.http.post(url, json={}, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert browser.http.post(url, data={"username": "demo"}, headers={"X-CSRFToken": csrf}).status_code == 415
    assert browser.fetch_options(url, csrf).status_code == 200


def test_a_passkey_answer_without_the_csrf_token_is_refused(browser, registered):
    options, _, query = browser.sign_in_options()
    assert refused(browser.http.post(f"{DOMAIN}/login/passkey?{query}", data={"credential": registered.get(options)}))


_NOT_BASE64URL = ('{"id": "!!", "rawId": "!!", "type": "public-key", '
                  '"response": {"clientDataJSON": "", "authenticatorData": "", "signature": ""}}')


@pytest.mark.parametrize("garbage", ["", "not json", "[]", '{"id": "x"}', _NOT_BASE64URL])
def test_a_malformed_answer_is_refused_without_an_error(browser, registered, garbage):
    _, csrf, query = browser.sign_in_options()
    assert refused(browser.post_sign_in(garbage, csrf, query))


def test_adding_a_passkey_needs_a_signed_in_user_and_a_url_of_the_client(browser):
    page = browser.add_page()
    assert page.status_code == 401 and "Sign in first" in page.get_data(as_text=True)
    options = browser.fetch_options(f"{DOMAIN}/passkeys/add/options?" + browser.add_query(), "")
    assert options.status_code == 400  # the CSRF check comes first: no session, no token
    browser.sign_in_with_password()
    assert urlsplit(browser.add_page("https://evil.example/").location).path == "/error"
    assert urlsplit(browser.http.get(f"{DOMAIN}/passkeys/add").location).path == "/error"
    assert browser.add_page(browser.client.callback_urls[0]).status_code == 200


def test_a_pool_without_passkeys_offers_none(http, hosted_ui):
    params = urlencode(hosted_ui.params())
    assert "Sign in with passkey" not in http.get(f"http://127.0.0.1:9230/login?{params}").get_data(as_text=True)
    assert http.get("http://127.0.0.1:9230/passkeys/add?client_id=x&redirect_uri=y").status_code == 404
    assert http.post(f"http://127.0.0.1:9230/login/passkey?{params}").status_code == 404
