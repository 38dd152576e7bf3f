"""An id replaced at sign-in stops working at once, on every store and in every worker.

Each worker keeps what it read (verified cookies, auth records, with SQLite the rows too):
only the deletion of the replaced id's entry, seen by all of them, ends the old cookie.
"""

from __future__ import annotations

import pytest

from tests.conftest import AuthActions
from tests.support.cognito import PoolUser
from tests.support.workers import Worker

COOKIE = "__Host-cognito_session"
BOB = PoolUser("bob", "bob@example.com")


@pytest.fixture(params=["sqlite", "redis"])
def environ(request, environ):
    """Two workers' settings: the default SQLite file, or a Redis both reach."""
    if request.param == "redis":
        return {**environ, "SESSION_STORE_URL": request.getfixturevalue("redis_url")}
    return environ


@pytest.fixture
def other_worker(environ):
    worker = Worker(environ)
    yield worker
    worker.stop()


def username(answer: tuple[int, dict | None]) -> str | None:
    status, body = answer
    assert status in (200, 401), answer
    return body["username"] if status == 200 else None


def test_after_a_second_sign_in_the_first_cookie_is_signed_out_in_every_worker(make_app, idp, other_worker):
    app = make_app()
    this_worker = AuthActions(app.test_client(), idp)
    this_worker.sign_in()
    first = this_worker.client.get_cookie(COOKIE, domain="rp.example.com").value
    assert username(other_worker.get("/api/me", first)) == "alice"  # the other worker now knows the session

    this_worker.sign_in(user=BOB)
    second = this_worker.client.get_cookie(COOKIE, domain="rp.example.com").value
    assert username(other_worker.get("/api/me", second)) == "bob"
    assert username(other_worker.get("/api/me", first)) is None
    replay = app.test_client()
    replay.set_cookie(COOKIE, first, domain="rp.example.com", secure=True)
    assert replay.get("/api/me").status_code == 401


def test_two_apps_on_one_store_agree_that_the_first_cookie_is_gone(make_app, idp):
    """The same, with both workers in this process: a cheaper model, and a failure shows its traceback."""
    first_app, second_app = make_app(), make_app()
    browser = AuthActions(first_app.test_client(), idp)
    browser.sign_in()
    first = browser.client.get_cookie(COOKIE, domain="rp.example.com").value
    other = second_app.test_client()
    other.set_cookie(COOKIE, first, domain="rp.example.com", secure=True)
    assert other.get("/api/me").json["username"] == "alice"
    browser.sign_in(user=BOB)
    assert other.get("/api/me").status_code == 401
