"""Bearer tokens of a login this app signed out are refused until the login's last token expires."""

from __future__ import annotations

import json

import pytest
from joserfc.jws import extract_compact

from flask_cognito_signin.logins import Logins
from flask_cognito_signin.oidc.errors import TokenFault
from flask_cognito_signin.oidc.tokens import CLOCK_SKEW
from tests.conftest import AuthActions
from tests.support.cognito import ALICE
from tests.web.test_bearer import access_token


def bearer_me(app, token: str):
    """/api/me from a client with no cookie: the token alone, as a copy of it would be used."""
    return app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})


def refused_as_signed_out(response) -> bool:
    return (response.status_code == 401
            and f'error_description="{TokenFault.SIGNED_OUT.value}"' in response.headers["WWW-Authenticate"])


def test_a_copied_access_token_is_refused_once_its_login_signs_out(app, auth, idp):
    auth.sign_in()
    copied = idp.issued[-1]["access_token"]
    assert bearer_me(app, copied).status_code == 200
    auth.sign_out()
    assert refused_as_signed_out(bearer_me(app, copied))


def test_tokens_of_other_logins_still_work(app, auth, idp):
    other = AuthActions(app.test_client(), idp)
    other.sign_in(user=ALICE)  # the same user, signed in on another device: another login
    others_token = idp.issued[-1]["access_token"]
    auth.sign_in(user=ALICE)
    auth.sign_out()
    assert bearer_me(app, others_token).status_code == 200
    assert other.client.get("/api/me").status_code == 200


def test_a_refused_refresh_ends_the_login_too(app, auth, client, idp, clock):
    auth.sign_in()
    copied = idp.issued[-1]["access_token"]
    idp.refresh_tokens.clear()  # revoked at the IdP: the next refresh is refused and the session ends
    clock.advance(3590)
    assert client.get("/api/me").status_code == 401
    assert refused_as_signed_out(bearer_me(app, copied))


def test_tokens_from_before_and_after_a_refresh_are_refused(app, auth, client, idp, clock):
    auth.sign_in()
    before = idp.issued[-1]["access_token"]
    clock.advance(3590)
    assert client.get("/api/me").status_code == 200
    assert idp.grants_of_type("refresh_token") == 1
    after = idp.issued[-1]["access_token"]
    auth.sign_out()
    assert refused_as_signed_out(bearer_me(app, before))
    clock.advance(60)  # the first token expired; the refreshed one lives on
    assert refused_as_signed_out(bearer_me(app, after))


def test_the_refusal_lasts_until_the_last_token_of_the_login_expires(app, auth, idp, clock):
    auth.sign_in()
    answer = idp.issued[-1]
    auth.sign_out()
    store = app.extensions["cognito_signin"].store
    logins = Logins(store, clock)
    origin_jti = _claims(answer["id_token"])["origin_jti"]
    token_exp = _claims(answer["access_token"])["exp"]
    clock.advance(token_exp + CLOCK_SKEW - clock() - 1)
    assert logins.has_ended("cognito", origin_jti), "refused while validation would still accept the token"
    clock.advance(2)
    assert not logins.has_ended("cognito", origin_jti), "forgotten once no token of the login can be valid"


@pytest.mark.parametrize("origin_jti", [None, "", 42], ids=["missing", "empty", "not-a-string"])
def test_tokens_without_a_usable_origin_jti_are_judged_on_their_own(app, auth, idp, origin_jti):
    auth.sign_in()
    auth.sign_out()  # some login ended: a token naming no login is not taken for it
    assert bearer_me(app, access_token(idp, origin_jti=origin_jti)).status_code == 200


def test_the_refusal_is_for_the_provider_that_signed_the_login_out(app, auth, idp):
    auth.sign_in()
    origin_jti = _claims(idp.issued[-1]["id_token"])["origin_jti"]
    auth.sign_out()
    logins = Logins(app.extensions["cognito_signin"].store)
    assert logins.has_ended("cognito", origin_jti) and not logins.has_ended("other", origin_jti)


def _claims(token: str) -> dict:
    return json.loads(extract_compact(token.encode()).payload)
