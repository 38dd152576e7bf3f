"""The pending sign-in lives in the browser: a cookie that is hardened, unreadable, unforgeable, short-lived and bound to its state."""

from __future__ import annotations

import base64
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from flask_cognito_signin.oidc.signin import PendingSignIn
from flask_cognito_signin.pending_sign_ins import SIGN_IN_LIFETIME, PendingSignIns
from tests.conftest import relative

DOMAIN = "rp.example.com"


def pending_cookie(login) -> tuple[str, str, str]:
    """(name, value, attributes) of the one cookie /login set."""
    (header,) = login.headers.getlist("Set-Cookie")
    pair, _, attributes = header.partition(";")
    name, value = pair.split("=", 1)
    return name, value, attributes


def state_of(login) -> str:
    return parse_qs(urlsplit(login.headers["Location"]).query)["state"][0]


def replace_cookie(client, name: str, value: str) -> None:
    client.set_cookie(name, value, domain=DOMAIN, secure=True)


def test_the_cookie_is_host_only_secure_httponly_lax_and_short_lived(auth):
    name, _, attributes = pending_cookie(auth.start())
    assert name.startswith("__Host-cognito_pending.")
    flags = [flag.strip() for flag in attributes.split(";")]
    for flag in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax", f"Max-Age={SIGN_IN_LIFETIME}"):
        assert flag in flags
    assert not any(flag.startswith("Domain=") for flag in flags)


def test_the_cookie_shows_none_of_the_sign_in_secrets(auth, idp):
    login = auth.start("/reports/secret-report")
    _, value, _ = pending_cookie(login)
    params = parse_qs(urlsplit(login.headers["Location"]).query)
    decoded = b"".join(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in value.split("."))
    for secret in (params["nonce"][0], params["state"][0], "secret-report"):
        assert secret not in value and secret.encode() not in decoded
    assert auth.client.get(relative(idp.authorize(login.headers["Location"]))).status_code == 302
    verifier = parse_qs(idp.token_requests[-1].body)["code_verifier"][0]
    assert verifier not in value and verifier.encode() not in decoded


def test_an_expired_cookie_is_refused_even_when_the_browser_still_sends_it(auth, client, idp, clock):
    login = auth.start()
    name, value, _ = pending_cookie(login)
    callback = relative(idp.authorize(login.headers["Location"]))
    clock.advance(SIGN_IN_LIFETIME + 1)
    replace_cookie(client, name, value)  # a browser that ignored Max-Age, or a copy kept elsewhere
    response = client.get(callback)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert not idp.token_requests


def _sealed_by_another_secret_key(app, login, value: str) -> str:
    other = PendingSignIns("another-secret-key-" + "1" * 32, secure=True)
    state = state_of(login)
    return other.seal(PendingSignIn("cognito", state, "nonce", "v" * 64, "https://rp.example.com/oauth/v2/callback",
                                    "/"), 2e9)


def _one_character_changed(app, login, value: str) -> str:
    head, tag = value.rsplit(".", 1)
    return f"{head}.{('A' if tag[0] != 'A' else 'B') + tag[1:]}"


def _not_encrypted(app, login, value: str) -> str:
    return base64.urlsafe_b64encode(b'{"state": "%s"}' % state_of(login).encode()).decode()


@pytest.mark.parametrize("forge", [
    pytest.param(_sealed_by_another_secret_key, id="another-secret-key"),
    pytest.param(_one_character_changed, id="one-character-changed"),
    pytest.param(_not_encrypted, id="not-encrypted"),
])
def test_a_cookie_this_app_did_not_seal_is_refused(app, auth, client, idp, forge):
    login = auth.start()
    name, value, _ = pending_cookie(login)
    replace_cookie(client, name, forge(app, login, value))
    assert client.get(relative(idp.authorize(login.headers["Location"]))).status_code == 400
    assert not idp.token_requests


def test_a_cookie_moved_under_another_states_name_is_refused(auth, client, idp):
    """Each cookie holds its own state: one sign-in's secrets never finish another's."""
    first, second = auth.start(), auth.start()
    _, first_value, _ = pending_cookie(first)
    second_name, _, _ = pending_cookie(second)
    replace_cookie(client, second_name, first_value)
    assert client.get(relative(idp.authorize(second.headers["Location"]))).status_code == 400
    assert not idp.token_requests



def test_a_step_ups_max_age_is_sealed_with_it_and_is_whole_seconds_or_nothing():
    """The callback judges a step-up by the max_age in its cookie: it comes back as it was sealed."""
    keeper = PendingSignIns("a-secret-key-" + "2" * 32, secure=True)
    step_up = PendingSignIn("cognito", "state", "nonce", "v" * 64, "https://rp.example.com/oauth/v2/callback",
                            "/statement", 300)
    assert keeper.unseal(keeper.seal(step_up, 2e9), 0) == (step_up, 2e9)
    ordinary = replace(step_up, max_age=None)
    assert keeper.unseal(keeper.seal(ordinary, 2e9), 0) == (ordinary, 2e9)
    for wrong in ("300", 1.5, True, -1):
        assert keeper.unseal(keeper.seal(replace(step_up, max_age=wrong), 2e9), 0) is None
