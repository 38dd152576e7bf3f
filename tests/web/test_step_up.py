"""fresh_login_required: a sign-in older than max_age signs in again (prompt=login); the callback checks auth_time."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin import current_user, fresh_login_required
from flask_cognito_signin.oidc.tokens import CLOCK_SKEW
from tests.conftest import AuthActions, install_clock, relative
from tests.support.cognito import ALICE, PoolUser, sign

BOB = PoolUser("bob", "bob@example.com", True, ("readers",))
MAX_AGE = 300


def with_sensitive_views(app):
    views = Blueprint("sensitive", __name__)

    @views.get("/statement")
    @fresh_login_required(max_age=MAX_AGE)
    def statement():
        return f"statement of {current_user.username}"

    @views.get("/api/statement")
    @fresh_login_required(max_age=MAX_AGE)
    def api_statement():
        return jsonify(username=current_user.username, auth_time=current_user.claims["auth_time"])

    @views.get("/settings")
    @fresh_login_required
    def settings():
        return "settings"

    app.register_blueprint(views)
    return app


@pytest.fixture
def app(make_app):
    return with_sensitive_views(make_app())


@pytest.fixture
def clock(app, idp):
    """The shared hand-moved clock, on a whole second as the tokens' times are: ages come out exact."""
    clock = install_clock(app, idp)
    clock.now = float(int(clock.now))
    return clock


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def step_up(auth: AuthActions, path: str = "/statement", user: PoolUser = ALICE):
    """Open `path`, follow the guard's redirect to sign in (as `user`) and come back: the callback's answer."""
    guard = auth.client.get(path)
    assert guard.status_code == 302, guard.get_data(as_text=True)
    login = auth.client.get(relative(guard.headers["Location"]))
    assert login.status_code == 302
    return auth.client.get(relative(auth.idp.authorize(login.headers["Location"], user)))


def auth_time_of_session(client) -> int:
    return client.get("/api/me").json["claims"]["auth_time"]


def test_a_recent_sign_in_opens_the_view(auth, client, clock):
    auth.sign_in()
    clock.advance(MAX_AGE)
    assert client.get("/statement").get_data(as_text=True) == "statement of alice"


def test_an_older_sign_in_signs_in_again_with_prompt_login_and_comes_back(auth, client, idp, clock):
    auth.sign_in()
    first = auth_time_of_session(client)
    clock.advance(MAX_AGE + 1)

    guard = client.get("/statement?tab=2")
    assert guard.status_code == 302
    assert guard.headers["Location"] == "/login/cognito?next=%2Fstatement%3Ftab%3D2&max_age=300"
    login = client.get(relative(guard.headers["Location"]))
    asked = query_of(login.headers["Location"])
    assert asked["prompt"] == "login" and asked["max_age"] == "300"

    back = client.get(relative(idp.authorize(login.headers["Location"])))
    assert back.status_code == 302 and back.headers["Location"] == "/statement?tab=2"
    assert client.get("/statement?tab=2").get_data(as_text=True) == "statement of alice"
    assert auth_time_of_session(client) == first + MAX_AGE + 1


def test_an_ordinary_sign_in_asks_for_no_fresh_login(auth):
    asked = query_of(auth.start("/").headers["Location"])
    assert "prompt" not in asked and "max_age" not in asked


def session_cookie(client) -> str:
    return client.get_cookie("__Host-cognito_session", domain="rp.example.com").value


@pytest.mark.parametrize("auth_time", [
    pytest.param(lambda now: now - MAX_AGE - 1, id="older-than-max_age"),
    pytest.param(lambda now: None, id="missing"),
    pytest.param(lambda now: now + CLOCK_SKEW + 1, id="in-the-future"),
    pytest.param(lambda now: float("nan"), id="not-a-number"),
])
def test_a_step_up_that_brings_no_recent_authentication_is_refused_and_the_session_is_kept(
        auth, client, idp, clock, auth_time, caplog):
    auth.sign_in()
    first = auth_time_of_session(client)
    cookie = session_cookie(client)
    clock.advance(MAX_AGE + 1)
    # The provider answers from its old session, as if prompt=login had been ignored (or stripped on the way).
    idp.id_token_overrides["auth_time"] = auth_time(int(clock.now))

    refused = step_up(auth)
    assert refused.status_code == 403
    assert "A fresh sign-in is needed" in refused.get_data(as_text=True)
    assert [record.fields["reason"] for record in caplog.records if getattr(record, "event", "") == "login_failed"] \
        == ["stale_authentication"]
    assert session_cookie(client) == cookie and auth_time_of_session(client) == first
    assert client.get("/statement").status_code == 302  # the view stays closed


@pytest.mark.parametrize("age", [MAX_AGE, -CLOCK_SKEW])
def test_a_step_up_is_accepted_from_max_age_old_to_the_clock_skew_ahead_and_opens_the_view(auth, client, idp, clock,
                                                                                          age):
    """The callback and the guard apply one rule: what the one accepts, the other lets in (no redirect loop)."""
    auth.sign_in()
    clock.advance(MAX_AGE + 1)
    idp.id_token_overrides["auth_time"] = int(clock.now) - age
    assert step_up(auth).headers["Location"] == "/statement"
    assert client.get("/statement").status_code == 200


def test_a_replayed_step_up_callback_is_refused_and_the_session_is_kept(auth, client, idp, clock):
    auth.sign_in()
    clock.advance(MAX_AGE + 1)
    guard = client.get("/statement")
    login = client.get(relative(guard.headers["Location"]))
    callback = relative(idp.authorize(login.headers["Location"]))
    assert client.get(callback).status_code == 302
    cookie = session_cookie(client)
    assert client.get(callback).status_code == 400
    assert session_cookie(client) == cookie and client.get("/statement").status_code == 200


def test_an_ordinary_sign_in_in_between_does_not_open_the_view(auth, client, idp, clock):
    """The callback decides by the pending sign-in's sealed max_age, and the guard checks auth_time again: a
    callback for an ordinary sign-in, or a /login with a max_age of the browser's choosing, opens nothing."""
    auth.sign_in()
    clock.advance(MAX_AGE + 1)
    stale = int(clock.now) - MAX_AGE - CLOCK_SKEW - 1
    idp.id_token_overrides["auth_time"] = stale
    for login_query in ({"next": "/statement"}, {"next": "/statement", "max_age": "86400"}):
        login = client.get("/login", query_string=login_query)
        assert client.get(relative(idp.authorize(login.headers["Location"]))).status_code == 302
        assert auth_time_of_session(client) == stale
        assert client.get("/statement").status_code == 302


def test_a_refresh_keeps_the_sign_ins_auth_time_and_so_opens_nothing(auth, client, idp, clock):
    auth.sign_in()
    first = auth_time_of_session(client)
    clock.advance(idp.token_lifetime + 1)  # the access token expired: this request refreshes it
    assert client.get("/statement").status_code == 302
    assert idp.grants_of_type("refresh_token") == 1 and auth_time_of_session(client) == first


def test_a_refresh_that_moves_auth_time_ends_the_session(auth, client, idp, clock):
    auth.sign_in()
    clock.advance(idp.token_lifetime + 1)
    idp.id_token_overrides["auth_time"] = int(clock.now)
    assert client.get("/statement").headers["Location"].startswith("/login?next=")  # signed out, not stepped up
    assert client.get("/api/me").status_code == 401


def test_someone_else_at_the_password_prompt_starts_a_session_of_their_own(auth, client, idp, clock, caplog):
    auth.sign_in()
    alices = session_cookie(client)
    clock.advance(MAX_AGE + 1)
    assert step_up(auth, user=BOB).headers["Location"] == "/statement"
    assert client.get("/statement").get_data(as_text=True) == "statement of bob"
    (warning,) = [record for record in caplog.records if getattr(record, "event", "") == "step_up_by_another_user"]
    assert warning.levelno == logging.WARNING and warning.fields["replaced_sub"] == ALICE.sub
    client.set_cookie("__Host-cognito_session", alices, domain="rp.example.com", secure=True)
    assert client.get("/api/me").status_code == 401  # Alice's session ended


def test_nobody_signed_in_is_sent_to_an_ordinary_sign_in(client):
    page = client.get("/statement")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Fstatement"
    api = client.get("/api/statement")
    assert api.status_code == 401 and api.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_default_max_age_is_the_setting(make_app, idp):
    app = with_sensitive_views(make_app(FRESH_LOGIN_MAX_AGE="2m"))
    auth = AuthActions(app.test_client(), idp)
    clock = install_clock(app, idp)
    clock.now = float(int(clock.now))
    auth.sign_in()
    clock.advance(120)
    assert auth.client.get("/settings").status_code == 200
    clock.advance(1)
    assert query_of(auth.client.get("/settings").headers["Location"])["max_age"] == "120"


# The API: RFC 9470's challenge --------------------------------------------------------------------

CHALLENGE = ('Bearer realm="api", error="insufficient_user_authentication", '
             'error_description="This needs a more recent sign-in: sign in again, then retry.", max_age="300"')


def bearer(idp, user: PoolUser, auth_time: int | None, now: int, **claims) -> dict[str, str]:
    token_claims = {**idp.access_token_claims(user, "openid", now, "origin"), "auth_time": auth_time, **claims}
    if auth_time is None:
        del token_claims["auth_time"]
    return {"Authorization": f"Bearer {sign(token_claims, idp.key)}"}


def test_an_older_bearer_sign_in_gets_rfc_9470s_challenge(client, idp, clock):
    now = int(clock.now)
    fresh = client.get("/api/statement", headers=bearer(idp, ALICE, now - MAX_AGE, now))
    assert fresh.status_code == 200 and fresh.json["username"] == "alice"
    for auth_time in (now - MAX_AGE - 1, None):
        refused = client.get("/api/statement", headers=bearer(idp, ALICE, auth_time, now))
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == CHALLENGE
        assert refused.json["error"] == "insufficient_user_authentication"


def test_an_older_session_on_the_api_gets_the_challenge_too(auth, client, clock):
    auth.sign_in()
    clock.advance(MAX_AGE + 1)
    refused = client.get("/api/statement")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == CHALLENGE


def test_a_machine_client_never_passes(client, idp, clock):
    now = int(clock.now)
    machine = {**idp.access_token_claims(ALICE, "openid", now, "origin"), "sub": idp.pool.client_id, "auth_time": now}
    del machine["username"]
    refused = client.get("/api/statement", headers={"Authorization": f"Bearer {sign(machine, idp.key)}"})
    assert refused.status_code == 403 and refused.json["error"] == "person_required"


@pytest.mark.parametrize("max_age", [0, -5, 1.5, "300", True])
def test_max_age_is_a_positive_whole_number_of_seconds(max_age):
    with pytest.raises(ValueError, match="max_age"):
        fresh_login_required(max_age=max_age)


@pytest.mark.parametrize("max_age", ["soon", "-1", "1e3", "٣", "86401"])
def test_login_refuses_a_max_age_that_is_no_number_of_seconds(client, max_age):
    answer = client.get("/login", query_string={"max_age": max_age})
    assert answer.status_code == 400 and "max_age must be a whole number" in answer.get_data(as_text=True)
