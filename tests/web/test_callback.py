"""GET /oauth/v2/callback: the code exchange, and every forged, replayed or broken answer."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlencode

import pytest
import requests
import responses

from tests.conftest import AuthActions, relative
from tests.support.cognito import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    DOMAIN,
    ISSUER,
    REDIRECT_URI,
    FakeCognito,
    Pool,
    PoolUser,
)

TOKEN_ENDPOINT = f"{DOMAIN}/oauth2/token"
USERINFO_ENDPOINT = f"{DOMAIN}/oauth2/userInfo"


def signed_in(client) -> bool:
    return client.get("/api/me").status_code == 200


def test_sign_in_exchanges_the_code_with_client_secret_post_and_lands_on_the_session_page(auth, client, idp):
    response = auth.sign_in()
    assert response.status_code == 302 and response.headers["Location"] == "/"
    request = idp.token_requests[-1]
    body = parse_qs(request.body)
    assert body["grant_type"] == ["authorization_code"]
    assert body["client_id"] == [CLIENT_ID] and body["client_secret"] == [CLIENT_SECRET]
    assert body["redirect_uri"] == [REDIRECT_URI]
    assert "Authorization" not in request.headers
    me = client.get("/api/me").json
    assert me["username"] == "alice" and me["groups"] == ["admins", "readers"] and me["email_verified"] is True


def test_client_secret_basic_sends_the_secret_in_the_header_only(make_app, idp):
    auth = AuthActions(make_app(OIDC_CLIENT_AUTH_METHOD="client_secret_basic").test_client(), idp)
    assert auth.sign_in().status_code == 302
    request = idp.token_requests[-1]
    assert request.headers["Authorization"].startswith("Basic ")
    assert "client_secret" not in parse_qs(request.body)


def test_sign_in_returns_to_the_page_asked_for(auth):
    assert auth.sign_in("/api/me?pretty=1").headers["Location"] == "/api/me?pretty=1"


def session_cookie_set_by(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-cognito_session=")]
    return cookie.split(";")[0]


def test_the_session_id_changes_at_sign_in(auth):
    """Also for a browser that is signed in already (the id before sign-in: see test_user_session_rules)."""
    before = session_cookie_set_by(auth.sign_in())
    assert session_cookie_set_by(auth.sign_in()) != before


def test_a_replayed_callback_with_a_kept_copy_of_the_cookie_fails_at_the_provider(auth, client, idp):
    """Without server state the cookie's deletion is the browser's part of single use; a copy kept by
    whoever replays it brings a code the provider has redeemed already (RFC 6749 4.1.2)."""
    login = auth.start()
    (name, value) = login.headers["Set-Cookie"].split(";")[0].split("=", 1)
    callback = relative(idp.authorize(login.headers["Location"]))
    assert client.get(callback).status_code == 302
    replayer = client.application.test_client()
    replayer.set_cookie(name, value, domain="rp.example.com", secure=True)
    replay = replayer.get(callback)
    assert replay.status_code == 400 and "expired or was already used" in replay.get_data(as_text=True)
    assert not signed_in(replayer)


def test_the_cookie_holds_no_token(auth, client, idp):
    response = auth.sign_in()
    cookie = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert len(cookie) < 100
    page = client.get("/").get_data(as_text=True)
    for token in idp.refresh_tokens:
        assert token not in cookie and token not in page


def test_a_replayed_callback_is_refused(auth, client, idp):
    callback = auth.callback_url()
    assert client.get(relative(callback)).status_code == 302
    replay = client.get(relative(callback))
    assert replay.status_code == 400
    assert "already used" in replay.get_data(as_text=True)
    assert len(idp.token_requests) == 1, "a used state never reaches the token endpoint again"


def test_a_callback_from_another_browser_is_refused_and_does_not_spoil_the_real_one(auth, app, client):
    callback = auth.callback_url()
    attacker = app.test_client()
    assert attacker.get(relative(callback)).status_code == 400
    assert not signed_in(attacker)
    assert client.get(relative(callback)).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"code": "abc"}, id="no-state"),
        pytest.param({"code": "abc", "state": "forged-state"}, id="unknown-state"),
        pytest.param({"state": ""}, id="empty-state"),
        pytest.param({}, id="nothing"),
    ],
)
def test_a_forged_callback_is_refused(auth, client, idp, query):
    auth.start()
    response = client.get("/oauth/v2/callback?" + urlencode(query))
    assert response.status_code == 400
    assert not signed_in(client)
    assert not idp.token_requests


def test_a_callback_without_code_is_refused(auth, client, idp):
    state = parse_qs(auth.start().headers["Location"].split("?", 1)[1])["state"][0]
    assert client.get("/oauth/v2/callback?" + urlencode({"state": state})).status_code == 400
    assert not idp.token_requests


def test_a_callback_naming_another_issuer_is_refused(auth, client, idp):
    callback = auth.callback_url()
    response = client.get(relative(callback) + "&iss=https%3A%2F%2Fevil.example.com")
    assert response.status_code == 400
    assert not idp.token_requests


@pytest.mark.parametrize("error, status", [("access_denied", 403), ("invalid_request", 400), ("server_error", 400)])
def test_an_error_callback_gets_a_friendly_page(auth, client, error, status, caplog):
    state = parse_qs(auth.start().headers["Location"].split("?", 1)[1])["state"][0]
    query = urlencode({"error": error, "error_description": "<script>x</script>", "state": state})
    response = client.get("/oauth/v2/callback?" + query)
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert "Sign-in was not completed" in text and "<script>" not in text
    assert not signed_in(client)
    assert any(getattr(r, "fields", {}).get("reason") == "authorization_denied" for r in caplog.records)


def _answer(status=200, body=None, content_type="application/json"):
    def hook(answer):
        return status, {"Content-Type": content_type}, body if isinstance(body, str) else json.dumps(body)
    return hook


@pytest.mark.parametrize(
    "hook, status, text",
    [
        pytest.param(_answer(400, {"error": "invalid_grant"}), 400, "expired or was already used", id="invalid-grant"),
        pytest.param(_answer(400, {"error": "invalid_client"}), 502, "refused this app", id="invalid-client"),
        pytest.param(_answer(400, {"error": "unauthorized_client"}), 502, "refused this app", id="unauthorized-client"),
        pytest.param(_answer(500, "oops", "text/plain"), 502, "try again in a moment", id="http-500"),
        pytest.param(_answer(200, "<html>", "text/html"), 502, "cannot use", id="not-json"),
        pytest.param(_answer(200, ["a"]), 502, "cannot use", id="json-array"),
        pytest.param(_answer(200, {"access_token": "x", "token_type": "Bearer", "expires_in": 3600}), 502,
                     "cannot use", id="no-id-token"),
        pytest.param(lambda a: {**a, "token_type": "mac"}, 502, "cannot use", id="not-bearer"),
        pytest.param(lambda a: {**a, "expires_in": "soon"}, 502, "cannot use", id="bad-expires-in"),
        pytest.param(lambda a: {**a, "access_token": 42}, 502, "cannot use", id="access-token-not-a-string"),
    ],
)
def test_a_bad_token_answer_gets_a_clear_page_and_no_session(auth, client, idp, hook, status, text):
    idp.token_answer_hook = hook
    response = auth.sign_in()
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert not signed_in(client)


@pytest.mark.parametrize(
    "failure, status",
    [
        pytest.param(requests.ReadTimeout("slow"), 504, id="timeout"),
        pytest.param(requests.ConnectionError("refused"), 502, id="unreachable"),
    ],
)
def test_a_token_endpoint_that_is_down_gets_a_clear_page(auth, client, idp, failure, status):
    callback = auth.callback_url()
    idp.mock.remove(responses.POST, TOKEN_ENDPOINT)
    idp.mock.add(responses.POST, TOKEN_ENDPOINT, body=failure)
    assert client.get(relative(callback)).status_code == status
    assert not signed_in(client)


def test_a_wrong_client_secret_is_reported_as_a_set_up_problem(make_app, idp):
    auth = AuthActions(make_app(OIDC_CLIENT_SECRET="not-the-secret").test_client(), idp)
    response = auth.sign_in()
    assert response.status_code == 502
    assert "app client settings" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"nonce": "replayed-nonce"}, id="nonce"),
        pytest.param({"aud": "another-client"}, id="aud"),
        pytest.param({"token_use": "access"}, id="token-use"),
        pytest.param({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, id="at-hash"),
    ],
)
def test_an_invalid_id_token_gets_a_page_and_no_session(auth, client, idp, overrides, caplog):
    idp.id_token_overrides = overrides
    response = auth.sign_in()
    assert response.status_code == 403
    assert "could not be verified" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert any(getattr(r, "fields", {}).get("reason") == "invalid_token" for r in caplog.records)


@pytest.fixture
def asking_userinfo(make_app, idp) -> AuthActions:
    """A sign-in that asks Cognito's userinfo (OIDC_USERINFO=always): its answers, string booleans and all."""
    return AuthActions(make_app(OIDC_USERINFO="always").test_client(), idp)


def test_userinfo_completes_the_profile_with_cognito_string_booleans(asking_userinfo, idp):
    idp.id_token_overrides = {"email": None, "email_verified": None}
    idp.userinfo_overrides = {"email": "alice@corp.example.com", "email_verified": "false", "phone_number": "+1555"}
    asking_userinfo.sign_in()
    me = asking_userinfo.client.get("/api/me").json
    assert me["email"] == "alice@corp.example.com"
    assert me["email_verified"] is False
    authorization = next(c.request for c in idp.mock.calls if c.request.url == USERINFO_ENDPOINT).headers
    assert authorization["Authorization"].startswith("Bearer ")


def test_userinfo_about_another_subject_is_ignored(asking_userinfo, idp):
    idp.id_token_overrides = {"email": None}
    idp.userinfo_overrides = {"sub": "someone-else", "email": "mallory@example.com"}
    asking_userinfo.sign_in()
    assert any(c.request.url == USERINFO_ENDPOINT for c in idp.mock.calls)
    assert asking_userinfo.client.get("/api/me").json["email"] is None


def test_userinfo_failing_does_not_fail_the_sign_in(asking_userinfo, idp):
    idp.mock.remove(responses.GET, USERINFO_ENDPOINT)
    idp.mock.add(responses.GET, USERINFO_ENDPOINT, status=500)
    assert asking_userinfo.sign_in().status_code == 302
    assert asking_userinfo.client.get("/api/me").json["email"] == ALICE.email


def test_a_cognito_sign_in_does_not_ask_userinfo_by_default(auth, idp):
    """Its ID token carries every attribute the client may read: the call would add nothing."""
    assert auth.sign_in().status_code == 302
    assert not any(c.request.url == USERINFO_ENDPOINT for c in idp.mock.calls)


def test_another_provider_is_asked_userinfo_by_default(make_app, idp, signing_key):
    other = Pool(issuer="https://op.example.com/tenant", domain="https://op.example.com/tenant")
    provider = FakeCognito(idp.mock, signing_key, other).install()
    provider.document = {**provider.document, "token_endpoint_auth_methods_supported": ["client_secret_post"]}
    auth = AuthActions(make_app(OIDC_DISCOVERY_URL=other.discovery_url).test_client(), provider)
    assert auth.sign_in().status_code == 302
    assert any(c.request.url == f"{other.domain}/oauth2/userInfo" for c in idp.mock.calls)


def test_never_asks_userinfo_when_told_not_to(make_app, idp, signing_key):
    other = Pool(issuer="https://op.example.com/tenant", domain="https://op.example.com/tenant")
    provider = FakeCognito(idp.mock, signing_key, other).install()
    auth = AuthActions(make_app(OIDC_DISCOVERY_URL=other.discovery_url, OIDC_USERINFO="never").test_client(), provider)
    assert auth.sign_in().status_code == 302
    assert not any(c.request.url == f"{other.domain}/oauth2/userInfo" for c in idp.mock.calls)


def test_a_user_without_groups_has_none(auth, client):
    auth.sign_in(user=PoolUser("bob", "bob@example.com", False))
    me = client.get("/api/me").json
    assert me["groups"] == [] and me["email_verified"] is False and me["username"] == "bob"


def test_no_token_code_or_secret_reaches_the_log(auth, client, idp, caplog):
    caplog.set_level(logging.DEBUG)
    callback = auth.callback_url()
    client.get(relative(callback))
    auth.sign_out()
    logged = caplog.text + "".join(str(getattr(r, "fields", "")) for r in caplog.records)
    answer = None
    secrets_seen = [CLIENT_SECRET, parse_qs(callback.split("?", 1)[1])["code"][0], *idp.revoked]
    for call in idp.mock.calls:
        if call.request.url == TOKEN_ENDPOINT:
            answer = json.loads(call.response.text)
            secrets_seen += [answer["access_token"], answer["id_token"], answer["refresh_token"]]
    assert answer is not None
    for secret in secrets_seen:
        assert secret not in logged


# RFC 9207: a provider whose discovery says it always names itself must have ----------------------


def _always_sends_iss(idp) -> None:
    idp.document = {**idp.document, "authorization_response_iss_parameter_supported": True}


def test_a_callback_without_iss_is_refused_when_discovery_says_it_is_always_sent(auth, client, idp):
    _always_sends_iss(idp)
    response = client.get(relative(auth.callback_url()))
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    assert not idp.token_requests
    assert not signed_in(client)


def test_an_error_callback_without_iss_is_refused_too_when_discovery_says_it_is_always_sent(auth, client, idp):
    _always_sends_iss(idp)
    state = parse_qs(auth.start().headers["Location"].split("?", 1)[1])["state"][0]
    response = client.get("/oauth/v2/callback?" + urlencode({"error": "access_denied", "state": state}))
    assert response.status_code == 400 and "Sign-in link not valid" in response.get_data(as_text=True)


def test_a_callback_with_the_issuer_signs_in_when_discovery_says_it_is_always_sent(auth, client, idp):
    _always_sends_iss(idp)
    response = client.get(relative(auth.callback_url()) + "&" + urlencode({"iss": ISSUER}))
    assert response.status_code == 302 and signed_in(client)


def test_an_id_token_with_another_audience_besides_ours_is_refused(auth, client, idp):
    """OIDC Core 3.1.3.7 (3): even with azp naming this client, an audience we do not trust is refused."""
    idp.id_token_overrides = {"aud": [CLIENT_ID, "another-client"], "azp": CLIENT_ID}
    response = auth.sign_in()
    assert response.status_code == 403 and "could not be verified" in response.get_data(as_text=True)
    assert not signed_in(client)
