"""What a browser can make the app keep: nothing in the store before sign-in, a bounded number of
pending-sign-in cookies in the browser, and refresh locks that only their owner frees."""

from __future__ import annotations

import sqlite3

import pytest
from flask import request

from tests.conftest import AuthActions, relative
from tests.support.cognito import ALICE

MAX_PENDING = 4  # flask_cognito_signin.pending_sign_ins.MAX_PENDING_SIGN_INS, restated: the test says what users get
BUDGET = 4096  # flask_cognito_signin.pending_sign_ins.PENDING_COOKIES_BUDGET
PREFIX = "__Host-cognito_pending."


def rows(app, prefix: str = "") -> dict[str, str]:
    app.session_interface.store.ping()  # opens the file (and makes the table) if no request has
    with sqlite3.connect(app.session_interface.store.path) as database:
        return dict(database.execute("SELECT key, value FROM entries WHERE key LIKE ?", (prefix + "%",)))


@pytest.fixture
def app(make_app):
    """The app, with a page that shows which cookies the browser sent (what a Cookie header holds)."""
    app = make_app()

    @app.get("/sent-cookies")
    def sent_cookies() -> dict[str, int]:
        return {name: len(name) + len(value) + 3 for name, value in request.cookies.items()}

    return app


def pending_cookies(client) -> dict[str, int]:
    """The pending-sign-in cookies the browser sends, and the bytes each takes in the Cookie header."""
    sent = client.get("/sent-cookies").json
    return {name: size for name, size in sent.items() if name.startswith(PREFIX)}


def test_cookieless_logins_store_nothing_and_sign_in_still_works(app, auth, idp):
    """A flood of /login from fresh cookie jars (a bot) must not grow the store at all."""
    for _ in range(300):
        assert app.test_client().get("/login").status_code == 302
    assert rows(app) == {}
    assert auth.sign_in().status_code == 302
    assert auth.client.get("/api/me").json["username"] == ALICE.username
    assert set(rows(app)) and all(key.startswith(("session:", "auth:")) for key in rows(app))


def test_anonymous_pages_and_failed_callbacks_store_nothing(app, client):
    client.get("/")
    client.get("/api/me")
    client.get("/oauth/v2/callback?code=x&state=forged")
    assert rows(app) == {}


def test_a_browser_hammering_login_keeps_a_bounded_number_of_pending_sign_ins(app, client, idp):
    for _ in range(25):
        assert client.get("/login").status_code == 302
    assert len(pending_cookies(client)) == MAX_PENDING
    assert rows(app) == {}


def test_the_oldest_pending_sign_in_is_the_one_replaced(auth, client, idp):
    started = [auth.start().headers["Location"] for _ in range(MAX_PENDING + 1)]
    oldest, newest = (idp.authorize(url, ALICE) for url in (started[0], started[-1]))
    assert client.get(relative(oldest)).status_code == 400, "the oldest was replaced"
    assert client.get(relative(newest)).status_code == 302


def test_every_tab_within_the_bound_can_finish_its_sign_in(make_app, idp):
    tabs = AuthActions(make_app().test_client(), idp)
    started = [tabs.start(f"/tab/{n}").headers["Location"] for n in range(MAX_PENDING)]
    for n, url in reversed(list(enumerate(started))):
        assert tabs.client.get(relative(idp.authorize(url, ALICE))).headers["Location"] == f"/tab/{n}"


def test_pending_cookies_together_stay_within_the_budget(auth, client, idp):
    """Long return paths make big cookies: the oldest go, and the Cookie header stays within what servers take."""
    started = [auth.start("/report?q=" + "x" * 2000).headers["Location"] for _ in range(3)]
    sizes = pending_cookies(client)
    assert sum(sizes.values()) <= BUDGET and len(sizes) == 1
    assert client.get(relative(idp.authorize(started[-1], ALICE))).status_code == 302


def test_a_cookie_under_the_pending_name_that_is_not_ours_is_deleted_at_login(client, idp):
    client.set_cookie(PREFIX + "planted", "not-a-sealed-sign-in", domain="rp.example.com", secure=True)
    client.get("/login")
    assert PREFIX + "planted" not in pending_cookies(client)


def test_a_refresh_lock_taken_over_by_another_request_is_not_released_by_the_first(auth, app, client, idp, clock):
    """The first request's lock outlived its TTL (a slow IdP) and another request took it: the first
    request, when it finishes, must leave the other's lock alone."""
    auth.sign_in()
    clock.advance(3600 - 30)
    store = app.session_interface.store

    def lock_taken_over_meanwhile(answer):
        (lock,) = rows(app, "lock:refresh:")
        store.put(lock, {"owner": "another request"}, 60)
        return answer

    idp.token_answer_hook = lock_taken_over_meanwhile
    assert client.get("/api/me").status_code == 200
    assert list(rows(app, "lock:refresh:").values()) == ['{"owner":"another request"}']
