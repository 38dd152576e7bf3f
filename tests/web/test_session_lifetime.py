"""Sessions over time: token refresh (once, under concurrency), refusal, an IdP that is down, timeouts."""

from __future__ import annotations

import threading

import requests
import responses

from tests.conftest import AuthActions, install_clock
from tests.support.cognito import DOMAIN

TOKEN_ENDPOINT = f"{DOMAIN}/oauth2/token"


def me(client):
    return client.get("/api/me")


def test_an_access_token_near_expiry_is_refreshed_and_the_refresh_token_kept(auth, client, idp, clock):
    auth.sign_in()
    first = me(client).json
    refresh_token = next(iter(idp.refresh_tokens))
    clock.advance(3600 - 30)  # within the 60 s margin
    second = me(client)
    assert second.status_code == 200
    assert idp.grants_of_type("refresh_token") == 1
    assert second.json["expires_at"]["access_token"] > first["expires_at"]["access_token"]
    assert second.json["claims"]["jti"] != first["claims"]["jti"], "the refreshed ID token's claims are kept"
    clock.advance(60)
    me(client)
    assert idp.grants_of_type("refresh_token") == 1, "fresh tokens are not refreshed again"
    clock.advance(3600)
    assert me(client).status_code == 200
    assert idp.grants_of_type("refresh_token") == 2
    assert list(idp.refresh_tokens) == [refresh_token], "Cognito returns no new refresh token; the first still works"


def test_the_refresh_uses_the_configured_client_authentication(auth, client, idp, clock):
    auth.sign_in()
    clock.advance(3590)
    me(client)
    body = idp.token_requests[-1].body
    assert "grant_type=refresh_token" in body and "client_secret=" in body and "scope=" not in body


def test_concurrent_requests_of_one_session_refresh_once(auth, app, client, idp, clock, monkeypatch):
    """Five tabs at once: one refreshes, and the token endpoint answers only once the other four have
    found its lock taken, so the test proves they overlapped (and waited) rather than ran one by one."""
    tabs = 5
    auth.sign_in()
    cookie = client.get_cookie("__Host-cognito_session", domain="rp.example.com").value
    clock.advance(3590)
    store, lock_refused, refused = app.session_interface.store, threading.Lock(), []
    all_others_wait = threading.Event()
    add = store.add

    def add_and_count_the_refused(key, value, ttl):
        added = add(key, value, ttl)
        if key.startswith("lock:refresh:") and not added:
            with lock_refused:
                refused.append(key)
                if len(refused) == tabs - 1:
                    all_others_wait.set()
        return added

    def answer_once_all_others_wait(answer):
        assert all_others_wait.wait(30), f"only {len(refused)} of {tabs - 1} requests found the refresh lock taken"
        return answer

    monkeypatch.setattr(store, "add", add_and_count_the_refused)
    idp.token_answer_hook = answer_once_all_others_wait
    statuses, start = [], threading.Barrier(tabs)

    def request_in_parallel() -> None:
        browser_tab = app.test_client()
        browser_tab.set_cookie("__Host-cognito_session", cookie, domain="rp.example.com", secure=True)
        start.wait()
        statuses.append(me(browser_tab).status_code)

    threads = [threading.Thread(target=request_in_parallel) for _ in range(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all_others_wait.is_set()
    assert statuses == [200] * tabs
    assert idp.grants_of_type("refresh_token") == 1


def test_a_refused_refresh_ends_the_session(auth, client, idp, clock):
    auth.sign_in()
    idp.refresh_tokens.clear()  # revoked at the IdP
    clock.advance(3590)
    api = me(client)
    assert api.status_code == 401 and api.headers["WWW-Authenticate"].startswith("Bearer")
    page = client.get("/admin")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Fadmin"
    assert "You are not signed in" in client.get("/").get_data(as_text=True)


def test_a_refused_refresh_sends_pages_to_sign_in_and_back(auth, client, idp, clock):
    auth.sign_in()
    idp.refresh_tokens.clear()
    clock.advance(3590)
    page = client.get("/admin?tab=users")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Fadmin%3Ftab%3Dusers"


def _idp_down(idp) -> None:
    idp.mock.remove(responses.POST, TOKEN_ENDPOINT)
    idp.mock.add(responses.POST, TOKEN_ENDPOINT, body=requests.ConnectionError("down"))


def test_an_idp_that_is_down_keeps_the_session_until_the_token_expires_then_503(auth, client, idp, clock, caplog):
    auth.sign_in()
    _idp_down(idp)
    clock.advance(3590)
    assert me(client).status_code == 200, "the access token is still valid: serve the request"
    assert any(getattr(r, "event", None) == "refresh_failed" for r in caplog.records)
    clock.advance(20)
    page = client.get("/")
    assert page.status_code == 503 and "not reachable" in page.get_data(as_text=True)
    assert me(client).status_code == 503
    idp.mock.remove(responses.POST, TOKEN_ENDPOINT)
    idp.mock.add_callback(responses.POST, TOKEN_ENDPOINT, callback=idp._token)
    assert me(client).status_code == 200, "the session survives the outage"


def test_a_refreshed_id_token_for_another_user_ends_the_session(auth, client, idp, clock):
    auth.sign_in()
    clock.advance(3590)
    idp.id_token_overrides = {"sub": "someone-else"}
    assert me(client).status_code == 401


def test_the_idle_timeout_ends_a_session_left_alone(make_app, idp):
    app = make_app(SESSION_IDLE_TIMEOUT="30m")
    clock = install_clock(app, idp)
    auth = AuthActions(app.test_client(), idp)
    auth.sign_in()
    for _ in range(4):  # used every 20 minutes: stays signed in past 30 minutes
        clock.advance(20 * 60)
        assert me(auth.client).status_code == 200
    clock.advance(31 * 60)
    assert me(auth.client).status_code == 401


def test_the_absolute_lifetime_ends_even_a_busy_session(make_app, idp):
    app = make_app(SESSION_IDLE_TIMEOUT="1h", SESSION_MAX_AGE="3h")
    clock = install_clock(app, idp)
    auth = AuthActions(app.test_client(), idp)
    auth.sign_in()
    for _ in range(5):
        clock.advance(30 * 60)
        assert me(auth.client).status_code == 200
    clock.advance(31 * 60)
    assert me(auth.client).status_code == 401


def test_expired_sessions_are_purged_from_the_store(auth, app, clock):
    auth.sign_in()
    store = app.extensions["cognito_signin"].store
    clock.advance(25 * 3600)
    assert store.purge_expired() >= 1


def test_both_expiries_are_shown_on_the_session_page(auth, client):
    auth.sign_in()
    text = client.get("/").get_data(as_text=True)
    assert "Session ends if idle" in text and "Session ends at the latest" in text
