"""POST /logout: CSRF, the session's end here, revocation, and the provider's own logout."""

from __future__ import annotations

import base64
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from tests.conftest import AuthActions, csrf_token_of
from tests.support.cognito import CLIENT_ID, CLIENT_SECRET, DOMAIN

REVOKE_ENDPOINT = f"{DOMAIN}/oauth2/revoke"
BASIC_AUTHENTICATION = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def signed_in(client) -> bool:
    return client.get("/api/me").status_code == 200


def fail_revocations(idp, failure: int | Exception) -> None:
    """From now on the revocation endpoint answers with the HTTP status `failure`, or raises it."""
    idp.mock.remove(responses.POST, REVOKE_ENDPOINT)
    if isinstance(failure, int):
        idp.mock.add(responses.POST, REVOKE_ENDPOINT, status=failure)
    else:
        idp.mock.add(responses.POST, REVOKE_ENDPOINT, body=failure)


def revocations_sent_to(idp, endpoint: str) -> list[tuple[dict[str, list[str]], str | None]]:
    """What each revocation request to `endpoint` carried: its form, and its Authorization header."""
    return [(parse_qs(call.request.body), call.request.headers.get("Authorization"))
            for call in idp.mock.calls if call.request.url == endpoint]


def revocation_of(refresh_token: str) -> tuple[dict[str, list[str]], str]:
    """The one request a revocation must be: the refresh token, with the client's id and secret (HTTP Basic)."""
    return {"token": [refresh_token], "token_type_hint": ["refresh_token"]}, BASIC_AUTHENTICATION


def test_sign_out_revokes_and_redirects_to_cognito_logout(auth, client, idp):
    auth.sign_in()
    refresh_token = next(iter(idp.refresh_tokens))
    response = auth.sign_out()
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{DOMAIN}/logout"
    assert parse_qs(location.query) == {"client_id": [CLIENT_ID], "logout_uri": ["https://rp.example.com/"]}
    assert idp.revoked == [refresh_token]
    assert revocations_sent_to(idp, REVOKE_ENDPOINT) == [revocation_of(refresh_token)]
    assert not signed_in(client)


def test_sign_out_needs_the_csrf_token(auth, client):
    auth.sign_in()
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert signed_in(client)


def test_the_csrf_token_of_another_session_does_not_work(auth, app, client, idp):
    auth.sign_in()
    other = AuthActions(app.test_client(), idp)
    other.sign_in()
    foreign_token = csrf_token_of(other.client.get("/"))
    assert client.post("/logout", data={"csrf_token": foreign_token}).status_code == 400
    assert signed_in(client)


def test_a_replayed_session_cookie_is_signed_out(auth, app, client):
    auth.sign_in()
    cookie = client.get_cookie("__Host-cognito_session", domain="rp.example.com").value
    auth.sign_out()
    replay = app.test_client()
    replay.set_cookie("__Host-cognito_session", cookie, domain="rp.example.com", secure=True)
    assert replay.get("/api/me").status_code == 401
    assert "You are not signed in" in replay.get("/").get_data(as_text=True)


def test_signing_out_when_not_signed_in_just_goes_home(client, idp):
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not idp.revoked


def test_logout_is_post_only(client):
    assert client.get("/logout").status_code == 405


def test_cognito_logout_ignores_an_end_session_endpoint_in_discovery(auth, idp):
    idp.document = {**idp.document, "end_session_endpoint": f"{DOMAIN}/logout"}
    auth.sign_in()
    location = auth.sign_out().headers["Location"]
    assert "logout_uri=" in location and "post_logout_redirect_uri" not in location and "id_token_hint" not in location


def test_the_cognito_domain_setting_is_used_for_logout_and_revocation(make_app, idp):
    custom = "https://auth.example.com"
    idp.mock.add(responses.POST, f"{custom}/oauth2/revoke", status=200)
    auth = AuthActions(make_app(COGNITO_DOMAIN="auth.example.com").test_client(), idp)
    auth.sign_in()
    refresh_token = next(iter(idp.refresh_tokens))
    assert auth.sign_out().headers["Location"].startswith(f"{custom}/logout?client_id=")
    assert revocations_sent_to(idp, f"{custom}/oauth2/revoke") == [revocation_of(refresh_token)]
    assert not revocations_sent_to(idp, REVOKE_ENDPOINT)


def test_a_discovered_revocation_endpoint_wins(auth, idp):
    endpoint = "https://cognito-idp.eu-west-1.amazonaws.com/revoke-here"
    idp.document = {**idp.document, "revocation_endpoint": endpoint}
    idp.mock.add(responses.POST, endpoint, status=200)
    auth.sign_in()
    refresh_token = next(iter(idp.refresh_tokens))
    auth.sign_out()
    assert revocations_sent_to(idp, endpoint) == [revocation_of(refresh_token)]
    assert not idp.revoked and not revocations_sent_to(idp, REVOKE_ENDPOINT)


def test_oidc_logout_style_uses_rp_initiated_logout(make_app, idp):
    idp.document = {**idp.document, "end_session_endpoint": "https://op.example.com/session/end"}
    auth = AuthActions(make_app(OIDC_LOGOUT_STYLE="oidc").test_client(), idp)
    auth.sign_in()
    location = urlsplit(auth.sign_out().headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://op.example.com/session/end"
    params = parse_qs(location.query)
    assert params["post_logout_redirect_uri"] == ["https://rp.example.com/"]
    assert params["client_id"] == [CLIENT_ID]
    assert params["id_token_hint"][0].count(".") == 2


def test_oidc_logout_style_without_end_session_endpoint_stays_local(make_app, idp):
    auth = AuthActions(make_app(OIDC_LOGOUT_STYLE="oidc").test_client(), idp)
    auth.sign_in()
    response = auth.sign_out()
    assert response.headers["Location"] == "/"
    assert not signed_in(auth.client)
    assert not idp.revoked, "no revocation endpoint is known for a non-Cognito provider without one"


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(requests.ConnectionError("down"), id="unreachable"),
        pytest.param(requests.ReadTimeout("slow"), id="timeout"),
        pytest.param(400, id="http-400"),
    ],
)
def test_a_failed_revocation_still_signs_out(auth, client, idp, failure, caplog):
    auth.sign_in()
    fail_revocations(idp, failure)
    response = auth.sign_out()
    assert response.headers["Location"].startswith(f"{DOMAIN}/logout?")
    assert not signed_in(client)
    assert any(getattr(r, "event", None) == "revocation_failed" for r in caplog.records)


def test_the_session_has_ended_for_every_request_before_the_provider_is_called(auth, app, client, idp):
    """Revocation can take seconds; meanwhile another tab of the same session (whose worker holds
    the user in memory) is already signed out, not at the end of the sign-out request."""
    auth.sign_in()
    cookie = client.get_cookie("__Host-cognito_session", domain="rp.example.com").value
    other_tab = app.test_client()
    other_tab.set_cookie("__Host-cognito_session", cookie, domain="rp.example.com", secure=True)
    assert signed_in(other_tab)
    during_revocation = []

    def revoke_while_the_other_tab_asks(request):
        tab = threading.Thread(target=lambda: during_revocation.append(other_tab.get("/api/me").status_code))
        tab.start()
        tab.join(30)
        return idp._revoke(request)

    idp.mock.remove(responses.POST, REVOKE_ENDPOINT)
    idp.mock.add_callback(responses.POST, REVOKE_ENDPOINT, callback=revoke_while_the_other_tab_asks)
    auth.sign_out()
    assert during_revocation == [401]
