"""Signing out never depends on the identity provider: /logout, /login and the callback never refresh.

A user on a shared computer must be able to sign out while Cognito is down or refuses the
refresh token, and the browser must still be sent to the provider's /logout so that the
hosted UI's own cookie does not sign the next person straight back in.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import requests
import responses

from tests.conftest import AuthActions, csrf_token_of
from tests.support.cognito import CLIENT_ID, DISCOVERY_URL, DOMAIN, JWKS_URI

TOKEN_ENDPOINT = f"{DOMAIN}/oauth2/token"
REVOKE_ENDPOINT = f"{DOMAIN}/oauth2/revoke"
COOKIE = "__Host-cognito_session"


def signed_in(client) -> bool:
    return client.get("/api/me").status_code == 200


def answer_503(idp, *urls: str) -> None:
    for url in urls:
        idp.mock.remove(responses.POST, url)
        idp.mock.add(responses.POST, url, status=503, body="Service Unavailable")


def unreachable(idp) -> None:
    """Every endpoint of the pool fails to connect: discovery, JWKS, token and revocation."""
    for method, url in ((responses.GET, DISCOVERY_URL), (responses.GET, JWKS_URI),
                        (responses.POST, TOKEN_ENDPOINT), (responses.POST, REVOKE_ENDPOINT)):
        idp.mock.remove(method, url)
        idp.mock.add(method, url, body=requests.ConnectionError("connection refused"))


def the_cognito_logout(location: str) -> bool:
    parts = urlsplit(location)
    return (f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{DOMAIN}/logout"
            and parse_qs(parts.query) == {"client_id": [CLIENT_ID], "logout_uri": ["https://rp.example.com/"]})


def test_sign_out_while_the_idp_answers_503_with_an_expired_access_token(auth, client, idp, clock):
    auth.sign_in()
    csrf_token = csrf_token_of(client.get("/"))  # the page the user has open
    clock.advance(3600 + 5)  # the access token has expired: any refresh attempt would fail
    answer_503(idp, TOKEN_ENDPOINT, REVOKE_ENDPOINT)
    response = client.post("/logout", data={"csrf_token": csrf_token})
    assert response.status_code == 302 and the_cognito_logout(response.headers["Location"])
    assert idp.grants_of_type("refresh_token") == 0, "signing out never tries a refresh"
    idp.mock.remove(responses.POST, TOKEN_ENDPOINT)
    idp.mock.add_callback(responses.POST, TOKEN_ENDPOINT, callback=idp._token)  # the IdP is back
    assert not signed_in(client), "the old cookie stays signed out once the IdP is back"


def test_a_refused_refresh_does_not_turn_sign_out_into_sign_in(auth, client, idp, clock):
    auth.sign_in()
    csrf_token = csrf_token_of(client.get("/"))
    clock.advance(3600 + 5)
    idp.refresh_tokens.clear()  # a refresh would now get invalid_grant
    response = client.post("/logout", data={"csrf_token": csrf_token})
    assert the_cognito_logout(response.headers["Location"]), "not /login?next=/: the hosted UI must sign out too"


def test_sign_out_answers_a_redirect_home_when_discovery_was_never_loaded(auth, make_app, client, idp, caplog):
    """A second worker that has not fetched discovery yet, while the IdP is unreachable."""
    auth.sign_in()
    csrf_token = csrf_token_of(client.get("/"))
    cookie = client.get_cookie(COOKIE, domain="rp.example.com").value
    other_worker = make_app().test_client()
    other_worker.set_cookie(COOKIE, cookie, domain="rp.example.com", secure=True)
    unreachable(idp)
    with caplog.at_level(logging.INFO, logger="flask_cognito_signin.events"):
        response = other_worker.post("/logout", data={"csrf_token": csrf_token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    events = [record.event for record in caplog.records if hasattr(record, "event")]
    assert "logout" in events and "revocation_failed" in events and "logout_redirect_failed" in events
    assert not signed_in(client)


def test_sign_out_without_discovery_still_reaches_a_configured_cognito_domain(auth, make_app, client, idp):
    auth.sign_in()
    csrf_token = csrf_token_of(client.get("/"))
    cookie = client.get_cookie(COOKIE, domain="rp.example.com").value
    other_worker = make_app(COGNITO_DOMAIN="auth.example.com").test_client()
    other_worker.set_cookie(COOKIE, cookie, domain="rp.example.com", secure=True)
    unreachable(idp)
    response = other_worker.post("/logout", data={"csrf_token": csrf_token})
    assert response.headers["Location"].startswith("https://auth.example.com/logout?client_id=")


def test_login_and_the_callback_never_refresh(auth, client, idp, clock):
    """Signing in again over a session whose refresh token was revoked: no refresh, no detour."""
    auth.sign_in()
    clock.advance(3600 + 5)
    idp.refresh_tokens.clear()
    login = client.get("/login")
    assert login.status_code == 302 and login.headers["Location"].startswith(f"{DOMAIN}/oauth2/authorize?")
    callback = client.get(AuthActions(client, idp).callback_url().removeprefix("https://rp.example.com"))
    assert callback.status_code == 302 and callback.headers["Location"] == "/"
    assert idp.grants_of_type("refresh_token") == 0
    assert signed_in(client)
