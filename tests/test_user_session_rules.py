"""Three session rules tested head-on, each by the break it guards against (see scripts/mutation.py).

A state is single-use whatever its first callback did (its cookie is deleted); an id replaced at sign-in is worthless
at once; a session id is believed only under its own signature.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import session
from itsdangerous import Signer

from flask_cognito_signin.oidc.signin import PendingSignIn
from flask_cognito_signin.sessions.interface import store_key
from flask_cognito_signin.state import signin_state
from tests.conftest import AuthActions, relative
from tests.support.cognito import PoolUser

COOKIE = "__Host-cognito_session"
DOMAIN = "rp.example.com"
BOB = PoolUser("bob", "bob@example.com")


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE, domain=DOMAIN).value


def browser_with(app, cookie: str):
    browser = app.test_client()
    browser.set_cookie(COOKIE, cookie, domain=DOMAIN, secure=True)
    return browser


def username_of(client) -> str | None:
    """Who /api/me says the client is; None when it is not signed in."""
    response = client.get("/api/me")
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    return response.json["username"] if response.status_code == 200 else None


# 1. A state is single-use -----------------------------------------------------------------

def _deny(idp, authorization_url: str) -> str:
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    return "/oauth/v2/callback?" + urlencode({"error": "access_denied", "state": state})


def _refuse_the_code(idp, authorization_url: str) -> str:
    callback = relative(idp.authorize(authorization_url))
    idp.grants.clear()  # the code is refused at the token endpoint (invalid_grant)
    return callback


def _forge_the_nonce(idp, authorization_url: str) -> str:
    idp.id_token_overrides = {"nonce": "another-nonce"}
    return relative(idp.authorize(authorization_url))


def _succeed(idp, authorization_url: str) -> str:
    return relative(idp.authorize(authorization_url))


@pytest.mark.parametrize("first_callback", [
    pytest.param(_deny, id="access-denied"),
    pytest.param(_refuse_the_code, id="code-refused"),
    pytest.param(_forge_the_nonce, id="id-token-refused"),
    pytest.param(_succeed, id="signed-in"),
])
def test_a_state_is_gone_once_a_callback_used_it_whatever_the_outcome(auth, client, idp, first_callback):
    """The second callback carries a fresh, valid code for the same state: only the state can refuse it."""
    authorization_url = auth.start().headers["Location"]
    client.get(first_callback(idp, authorization_url))
    idp.id_token_overrides = {}
    token_requests = len(idp.token_requests)
    second = client.get(relative(idp.authorize(authorization_url)))
    assert second.status_code == 400
    assert "already used" in second.get_data(as_text=True)
    assert len(idp.token_requests) == token_requests, "a used state never reaches the token endpoint"


def test_a_pending_sign_in_opens_only_under_its_own_state(app):
    pending = PendingSignIn("cognito", "state-1", "nonce-1", "v" * 64, "https://rp.example.com/cb", "/next")
    cookies = signin_state(app).pending_sign_ins
    sealed = {cookies.cookie_name("state-1"): cookies.seal(pending, time.time() + 60)}
    assert cookies.take("state-1", sealed, time.time()) == pending
    assert cookies.take("another-state", sealed, time.time()) is None


def test_the_callback_deletes_the_pending_cookie_whatever_the_outcome(auth, client, idp):
    login = auth.start()
    name = login.headers["Set-Cookie"].split("=", 1)[0]
    client.get(_deny(idp, login.headers["Location"]))
    assert client.get_cookie(name, domain=DOMAIN) is None


# 2. An id replaced at sign-in stops working --------------------------------------------------

def test_after_a_second_sign_in_the_first_cookie_is_signed_out(app, auth, client):
    auth.sign_in()
    first = cookie_of(client)
    assert username_of(browser_with(app, first)) == "alice"  # this worker now holds alice's record in memory
    auth.sign_in(user=BOB)
    assert username_of(client) == "bob"
    assert username_of(browser_with(app, first)) is None
    assert app.session_interface.store.get(_store_key(first)) is None


def test_a_session_id_planted_before_sign_in_gives_nothing_after_it(make_app, idp):
    """Session fixation: whoever knows the id the browser had before signing in learns nothing from it.
    The extension stores no session before sign-in; a host that keeps an anonymous one (a basket) has one."""
    app = make_app()

    @app.get("/basket")
    def basket() -> str:
        session["basket"] = ["book"]
        return "kept"

    auth = AuthActions(app.test_client(), idp)
    auth.client.get("/basket")
    planted = cookie_of(auth.client)
    assert app.session_interface.store.get(_store_key(planted)) is not None
    auth.sign_in()
    assert cookie_of(auth.client) != planted
    assert username_of(browser_with(app, planted)) is None
    assert app.session_interface.store.get(_store_key(planted)) is None


def _store_key(cookie: str) -> str:
    return store_key(cookie.rsplit(".", 1)[0])


# 3. The cookie's signature is checked ------------------------------------------------------

def _signed_with_another_key(session_id: str, signature: str) -> str:
    key = Signer("another-secret-key-" + "0" * 32, salt="cognito-rp.session-id",
                 digest_method=hashlib.sha256).derive_key()
    return Signer(key, key_derivation="none", digest_method=hashlib.sha256).sign(session_id).decode()


def _one_character_changed(session_id: str, signature: str) -> str:
    return f"{session_id}.{('A' if signature[0] != 'A' else 'B') + signature[1:]}"


def _no_signature(session_id: str, signature: str) -> str:
    return session_id


def _signature_cut_short(session_id: str, signature: str) -> str:
    return f"{session_id}.{signature[:-1]}"


@pytest.mark.parametrize("forge", [
    pytest.param(_signed_with_another_key, id="another-key"),
    pytest.param(_one_character_changed, id="one-character-changed"),
    pytest.param(_no_signature, id="no-signature"),
    pytest.param(_signature_cut_short, id="cut-short"),
])
def test_an_existing_session_id_under_a_wrong_signature_is_refused(app, auth, client, forge):
    auth.sign_in()
    session_id, signature = cookie_of(client).rsplit(".", 1)
    assert username_of(browser_with(app, f"{session_id}.{signature}")) == "alice"
    forged = forge(session_id, signature)
    assert username_of(browser_with(app, forged)) is None
    assert "You are not signed in" in browser_with(app, forged).get("/").get_data(as_text=True)
    assert username_of(client) == "alice", "the real cookie keeps working"
