"""A signed-out session stays dead, on SQLite and on Redis, across workers.

Two app instances sharing one store stand for two workers. One of them serves a request
that loaded the session before a sign-out on the other and writes `flask.session` after
it; whatever either worker remembers, the old cookie must not work again.
"""

from __future__ import annotations

import threading

import pytest
from flask import Flask, session

from tests.conftest import AuthActions, csrf_token_of

COOKIE = "__Host-cognito_session"
WAIT = 30  # seconds; only ever reached when the test is already failing


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("redis_url")


def with_cookie(app: Flask, cookie: str):
    client = app.test_client()
    client.set_cookie(COOKIE, cookie, domain="rp.example.com", secure=True)
    return client


def test_a_session_written_during_a_sign_out_elsewhere_stays_signed_out(make_app, idp, store_url):
    worker_a, worker_b = make_app(SESSION_STORE_URL=store_url), make_app(SESSION_STORE_URL=store_url)
    loaded, signed_out = threading.Event(), threading.Event()

    @worker_a.get("/slow-write")
    def slow_write() -> str:
        assert session.get("auth_record")  # loaded while still signed in
        loaded.set()
        assert signed_out.wait(WAIT)
        session["visited"] = True  # writes flask.session after the sign-out
        return "written"

    auth = AuthActions(worker_a.test_client(), idp)
    auth.sign_in()
    cookie = auth.client.get_cookie(COOKIE, domain="rp.example.com").value
    assert with_cookie(worker_b, cookie).get("/api/me").status_code == 200  # worker B has read the record too

    answers = []
    writer = threading.Thread(target=lambda: answers.append(with_cookie(worker_a, cookie).get("/slow-write")))
    writer.start()
    assert loaded.wait(WAIT)
    worker_b_client = with_cookie(worker_b, cookie)
    assert worker_b_client.post("/logout", data={"csrf_token": csrf_token_of(worker_b_client.get("/"))}).status_code == 302
    signed_out.set()
    writer.join(WAIT)
    assert answers and answers[0].status_code == 200

    for worker in (worker_a, worker_b):
        assert with_cookie(worker, cookie).get("/api/me").status_code == 401
    assert worker_a.session_interface.store.get(_session_key(worker_a, cookie)) is None, "no entry was recreated"


def test_the_old_cookie_after_sign_out_gets_a_new_session_id(make_app, idp, store_url):
    """A request that presents a signed-out cookie and writes gets a new id: the old one is never written again."""
    app = make_app(SESSION_STORE_URL=store_url)

    @app.get("/write")
    def write() -> str:
        session["visited"] = True
        return "written"

    auth = AuthActions(app.test_client(), idp)
    auth.sign_in()
    cookie = auth.client.get_cookie(COOKIE, domain="rp.example.com").value
    auth.sign_out()
    replay = with_cookie(app, cookie)
    replay.get("/write")
    new_cookie = replay.get_cookie(COOKIE, domain="rp.example.com").value
    assert new_cookie != cookie
    assert app.session_interface.store.get(_session_key(app, cookie)) is None


def _session_key(app: Flask, cookie: str) -> str:
    return app.session_interface._verify(cookie)[1]
