"""A browser that signs in while signed in (a step-up, another user at the prompt, /login again) ends the
login it replaces as a sign-out would: its refresh token revoked, its bearer tokens refused, its session
out of the user's sessions."""

from __future__ import annotations

import logging

import pytest
import requests

from flask_cognito_signin.logins import Logins
from tests.conftest import AuthActions
from tests.support.cognito import ALICE, PoolUser
from tests.web.test_logout import fail_revocations
from tests.web.test_signed_out_tokens import bearer_me, refused_as_signed_out

BOB = PoolUser("bob", "bob@example.com", True, ("readers",))


def sessions_of(app, user: PoolUser) -> list[str]:
    logins = Logins(app.extensions["cognito_signin"].store)
    return logins.sessions_of("cognito", user.sub)


def test_signing_in_again_revokes_the_replaced_logins_refresh_token(auth, client, idp):
    auth.sign_in()
    replaced = idp.issued[-1]["refresh_token"]
    auth.sign_in()
    assert idp.revoked == [replaced]
    assert client.get("/api/me").status_code == 200, "the new login is untouched"


def test_the_replaced_logins_bearer_tokens_are_refused_and_the_new_ones_accepted(app, auth, idp):
    auth.sign_in()
    replaced = idp.issued[-1]["access_token"]
    auth.sign_in()
    assert refused_as_signed_out(bearer_me(app, replaced))
    assert bearer_me(app, idp.issued[-1]["access_token"]).status_code == 200


def test_the_replaced_session_leaves_the_users_sessions(app, auth):
    auth.sign_in()
    auth.sign_in()
    assert len(sessions_of(app, ALICE)) == 1


def test_another_user_signing_in_ends_the_first_users_login(app, auth, client, idp):
    auth.sign_in(user=ALICE)
    alices = idp.issued[-1]
    auth.sign_in(user=BOB)
    assert idp.revoked == [alices["refresh_token"]]
    assert refused_as_signed_out(bearer_me(app, alices["access_token"]))
    assert sessions_of(app, ALICE) == [] and len(sessions_of(app, BOB)) == 1
    assert client.get("/api/me").json["username"] == "bob"


def test_a_first_sign_in_revokes_nothing(auth, idp):
    auth.sign_in()
    assert idp.revoked == []


def test_a_browser_signed_in_on_another_device_keeps_that_login(app, auth, idp):
    other_device = AuthActions(app.test_client(), idp)
    other_device.sign_in()
    kept = idp.issued[-1]
    auth.sign_in()
    auth.sign_in()
    assert kept["refresh_token"] not in idp.revoked
    assert bearer_me(app, kept["access_token"]).status_code == 200


@pytest.mark.parametrize("failure", [
    pytest.param(requests.ConnectionError("down"), id="unreachable"),
    pytest.param(500, id="http-500"),
])
def test_a_failed_revocation_still_signs_in_and_is_logged(auth, client, idp, failure, caplog):
    auth.sign_in()
    fail_revocations(idp, failure)
    with caplog.at_level(logging.INFO):
        landed = auth.sign_in(user=BOB)
    assert landed.status_code == 302
    assert client.get("/api/me").json["username"] == "bob"
    assert any(getattr(record, "event", None) == "revocation_failed" for record in caplog.records)
