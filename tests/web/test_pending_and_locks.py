"""Store rows a browser can make: pending sign-ins are bounded per browser, and a refresh lock is freed by its owner only."""

from __future__ import annotations

import sqlite3

from tests.conftest import relative
from tests.support.cognito import ALICE

MAX_PENDING = 4  # flask_cognito_signin.user_session.MAX_PENDING_SIGN_INS, restated: the test says what users get


def rows(app, prefix: str) -> dict[str, str]:
    with sqlite3.connect(app.session_interface.store.path) as database:
        return dict(database.execute("SELECT key, value FROM entries WHERE key LIKE ?", (prefix + "%",)))


def test_a_browser_hammering_login_keeps_a_bounded_number_of_pending_sign_ins(app, client, idp):
    for _ in range(25):
        assert client.get("/login").status_code == 302
    assert len(rows(app, "login:")) == MAX_PENDING


def test_the_oldest_pending_sign_in_is_the_one_replaced(auth, client, idp):
    started = [auth.start().headers["Location"] for _ in range(MAX_PENDING + 1)]
    oldest, newest = (idp.authorize(url, ALICE) for url in (started[0], started[-1]))
    assert client.get(relative(oldest)).status_code == 400, "the oldest was replaced"
    assert client.get(relative(newest)).status_code == 302


def test_every_tab_within_the_bound_can_finish_its_sign_in(auth, client, idp):
    started = [auth.start().headers["Location"] for _ in range(MAX_PENDING)]
    assert client.get(relative(idp.authorize(started[0], ALICE))).status_code == 302


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
