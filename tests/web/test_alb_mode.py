"""COGNITO_SIGNIN_MODE=alb: the ALB in front signs people in, and the app believes only its verified headers.

Each request carries x-amzn-oidc-data (signed by the ALB), x-amzn-oidc-accesstoken and
x-amzn-oidc-identity, as a load balancer sends them; the key endpoint and the user pool are
on `responses`. Whoever reaches the app without passing the ALB can send the same headers, so
the refusals are the point: a 401, never anonymous, never someone else.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, jsonify

from flask_cognito_signin import current_user, groups_required, login_required, scopes_required
from tests.conftest import AuthActions, csrf_token_of
from tests.support.alb import ARN, OTHER_ARN, ALBKey, KeyEndpoint, user_claims
from tests.support.cognito import ALICE, CLIENT_ID, DOMAIN, PoolUser, sign

GUEST = PoolUser("guest", "guest@example.com", False)
ALB_MODE = {"COGNITO_SIGNIN_MODE": "alb", "ALB_ARN": ARN, "OIDC_CLIENT_SECRET": ""}


@pytest.fixture(scope="session")
def alb_key() -> ALBKey:
    return ALBKey()


@pytest.fixture
def key_endpoint(idp, alb_key) -> KeyEndpoint:
    return KeyEndpoint(idp.mock, alb_key)


@pytest.fixture
def app(make_app, key_endpoint):
    app = make_app(**ALB_MODE)
    app.config["notes"] = []
    examples = Blueprint("examples", __name__)

    @examples.route("/api/notes", methods=["GET", "POST"])
    @login_required
    def notes():
        app.config["notes"].append(current_user.username)
        return jsonify(written_by=current_user.username)

    @examples.get("/api/orders")
    @scopes_required("orders/read")
    def orders():
        return jsonify(orders=[])

    @examples.get("/readers")
    @groups_required("readers")
    def readers():
        return "readers only"

    app.register_blueprint(examples)
    return app


def alb_headers(idp, key: ALBKey, user: PoolUser = ALICE, *, scope: str = "openid", access_changes=None,
                **changes) -> dict[str, str]:
    """What the ALB adds to a request of `user`; `changes` alter the data's header (or payload_*) fields."""
    now = time.time()
    access_claims = {**idp.access_token_claims(user, scope, int(now), "origin-jti"), **(access_changes or {})}
    return {
        "X-Amzn-Oidc-Data": key.sign(*user_claims(user, now, **changes)),
        "X-Amzn-Oidc-Accesstoken": sign(access_claims, idp.key),
        "X-Amzn-Oidc-Identity": user.sub,
    }


def me(client, headers):
    return client.get("/api/me", headers=headers)


# Signed in by the load balancer -----------------------------------------------------------


def test_the_albs_user_is_current_user_with_the_access_tokens_groups(client, idp, alb_key):
    response = me(client, alb_headers(idp, alb_key))
    assert response.status_code == 200, response.json
    assert response.json["authenticated_by"] == "load_balancer"
    assert (response.json["sub"], response.json["username"]) == (ALICE.sub, "alice")
    assert response.json["email"] == ALICE.email and response.json["email_verified"] is True
    assert response.json["groups"] == ["admins", "readers"], "Cognito's userinfo has no groups: the access token's"


def test_the_page_shows_the_albs_user(client, idp, alb_key):
    page = client.get("/", headers=alb_headers(idp, alb_key)).get_data(as_text=True)
    assert "Signed in by the load balancer" in page and '<dd id="username">alice</dd>' in page
    assert "sign-out-everywhere" not in page


def test_groups_and_scopes_come_from_the_forwarded_access_token(client, idp, alb_key):
    assert client.get("/readers", headers=alb_headers(idp, alb_key)).status_code == 200
    assert client.get("/readers", headers=alb_headers(idp, alb_key, GUEST)).status_code == 403
    assert client.get("/api/orders", headers=alb_headers(idp, alb_key)).status_code == 403
    assert client.get("/api/orders", headers=alb_headers(idp, alb_key, scope="openid orders/read")).status_code == 200


def test_nothing_is_fetched_twice(client, idp, alb_key, key_endpoint):
    for _ in range(3):
        assert me(client, alb_headers(idp, alb_key)).status_code == 200
    assert key_endpoint.fetches() == 1


# Without the headers: nobody -----------------------------------------------------------------


def test_without_the_headers_nobody_is_signed_in(client):
    assert "You are not signed in" in client.get("/").get_data(as_text=True)
    assert client.get("/api/me").status_code == 401
    guarded = client.get("/readers")
    assert guarded.status_code == 302 and guarded.headers["Location"] == "/login?next=%2Freaders"


def test_a_session_this_app_still_holds_signs_nobody_in_behind_the_alb(make_app, app, idp, environ):
    """Signed in by the app itself (the OIDC mode), then the app moves behind the ALB: the cookie counts for nothing."""
    before = make_app()
    browser = before.test_client()
    AuthActions(browser, idp).sign_in()
    assert browser.get("/api/me").status_code == 200
    cookie = browser.get_cookie("__Host-cognito_session", domain="rp.example.com").value
    behind_the_alb = app.test_client()
    behind_the_alb.set_cookie("__Host-cognito_session", cookie, domain="rp.example.com", secure=True)
    assert behind_the_alb.get("/api/me").status_code == 401
    assert "You are not signed in" in behind_the_alb.get("/").get_data(as_text=True)


def test_login_sends_the_albs_user_on_and_starts_no_sign_in_of_its_own(client, idp, alb_key):
    response = client.get("/login?next=/readers", headers=alb_headers(idp, alb_key))
    assert response.status_code == 302 and response.headers["Location"] == "/readers"
    assert not any("/oauth2/authorize" in call.request.url for call in idp.mock.calls)
    assert not [name for name in response.headers.getlist("Set-Cookie") if name.startswith("__Host-cognito_pending")]


def test_login_without_the_headers_explains_the_missing_listener_rule(client):
    response = client.get("/login?next=/readers")
    assert response.status_code == 401
    assert "authenticate-cognito" in response.get_data(as_text=True)


# Refused: a 401, on pages and the API ---------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"signer": OTHER_ARN}, id="another-alb"),
        pytest.param({"client": "another-app-client"}, id="another-client"),
        pytest.param({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, id="another-pool"),
        pytest.param({"exp": int(time.time()) - 3600}, id="expired"),
        pytest.param({"payload_sub": "someone-else"}, id="identity-mismatch"),
    ],
)
def test_headers_no_alb_of_this_app_sent_are_refused(client, idp, alb_key, changes):
    headers = alb_headers(idp, alb_key, **changes)
    api, page = me(client, headers), client.get("/", headers=headers)
    assert api.status_code == 401 and api.json["error"] == "alb_claims_refused"
    assert page.status_code == 401 and "could not be verified" in page.get_data(as_text=True)


def test_a_forged_header_signed_by_another_key_is_refused(client, idp, alb_key):
    headers = alb_headers(idp, ALBKey(kid=alb_key.kid))
    assert me(client, headers).status_code == 401


def test_a_header_made_up_by_whoever_reaches_the_app_directly_is_refused(client, idp):
    """The app is reachable without the ALB (a security group left open): its own key and key id are no ALB's."""
    attacker = ALBKey()
    for headers in (alb_headers(idp, attacker), {"X-Amzn-Oidc-Identity": ALICE.sub},
                    {"X-Amzn-Oidc-Accesstoken": alb_headers(idp, attacker)["X-Amzn-Oidc-Accesstoken"]},
                    {"X-Amzn-Oidc-Data": "eyJhbGciOiJub25lIn0.e30."}):
        response = me(client, headers)
        assert response.status_code == 401, headers
        assert client.get("/", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "access_changes, drop",
    [
        pytest.param(None, True, id="missing"),
        pytest.param({"sub": "someone-else"}, False, id="another-subject"),
        pytest.param({"client_id": "another-app-client"}, False, id="another-client"),
        pytest.param({"exp": int(time.time()) - 3600}, False, id="expired"),
        pytest.param({"token_use": "id"}, False, id="an-id-token"),
    ],
)
def test_the_access_token_must_be_valid_for_the_same_user(client, idp, alb_key, access_changes, drop):
    headers = alb_headers(idp, alb_key, access_changes=access_changes)
    if drop:
        del headers["X-Amzn-Oidc-Accesstoken"]
    assert me(client, headers).status_code == 401


def test_the_identity_header_must_name_the_datas_subject(client, idp, alb_key):
    headers = {**alb_headers(idp, alb_key), "X-Amzn-Oidc-Identity": "someone-else"}
    assert me(client, headers).status_code == 401


def test_an_unreachable_key_endpoint_answers_503(client, idp, alb_key, key_endpoint):
    key_endpoint.answer = lambda request, kid: (500, {}, "InternalError")
    response = me(client, alb_headers(idp, alb_key))
    assert response.status_code == 503 and response.json["error"] == "alb_keys_unavailable"


# The API's writes: the ALB's cookie is ambient authority --------------------------------------


def test_an_api_write_the_albs_cookie_authenticates_needs_the_csrf_token(app, client, idp, alb_key):
    headers = alb_headers(idp, alb_key)
    refused = client.post("/api/notes", headers=headers, json={})
    assert refused.status_code == 403 and refused.json["error"] == "csrf_failed"
    token = csrf_token_of(client.get("/", headers=headers))
    accepted = client.post("/api/notes", headers={**headers, "X-CSRFToken": token}, json={})
    assert accepted.status_code == 200 and app.config["notes"] == ["alice"]


# Signing out ------------------------------------------------------------------------------------


def test_sign_out_expires_the_albs_cookies_and_ends_the_hosted_ui_session(client, idp, alb_key):
    headers = alb_headers(idp, alb_key)
    client.set_cookie("AWSELBAuthSessionCookie-0", "shard0", domain="rp.example.com", secure=True)
    client.set_cookie("AWSELBAuthSessionCookie-1", "shard1", domain="rp.example.com", secure=True)
    token = csrf_token_of(client.get("/", headers=headers))
    response = client.post("/logout", headers=headers, data={"csrf_token": token})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{DOMAIN}/logout"
    assert parse_qs(location.query) == {"client_id": [CLIENT_ID], "logout_uri": ["https://rp.example.com/"]}
    expired = {cookie.split("=", 1)[0]: cookie for cookie in response.headers.getlist("Set-Cookie")}
    for name in ("AWSELBAuthSessionCookie-0", "AWSELBAuthSessionCookie-1"):
        assert "Max-Age=0" in expired[name] and "Secure" in expired[name] and "Path=/" in expired[name]
    assert client.get_cookie("AWSELBAuthSessionCookie-0", domain="rp.example.com") is None
    assert not idp.revoked, "the refresh token is the ALB's: nothing to revoke here"


def test_sign_out_needs_the_csrf_token(client, idp, alb_key):
    headers = alb_headers(idp, alb_key)
    client.get("/", headers=headers)
    response = client.post("/logout", headers=headers)
    assert response.status_code == 400
    assert not [cookie for cookie in response.headers.getlist("Set-Cookie") if cookie.startswith("AWSELB")]


def test_there_is_no_sign_out_everywhere_behind_the_alb(client, idp, alb_key):
    headers = alb_headers(idp, alb_key)
    token = csrf_token_of(client.get("/", headers=headers))
    assert client.post("/logout/everywhere", headers=headers, data={"csrf_token": token}).status_code == 404


def test_the_rules_session_cookie_name_is_a_setting(make_app, idp, alb_key, key_endpoint):
    client = make_app(**ALB_MODE, ALB_SESSION_COOKIE="MyAppAuth").test_client()
    headers = alb_headers(idp, alb_key)
    client.set_cookie("MyAppAuth-0", "shard0", domain="rp.example.com", secure=True)
    token = csrf_token_of(client.get("/", headers=headers))
    response = client.post("/logout", headers=headers, data={"csrf_token": token})
    assert [cookie.split("=", 1)[0] for cookie in response.headers.getlist("Set-Cookie")
            if "Max-Age=0" in cookie and not cookie.startswith("__Host-")] == ["MyAppAuth-0"]
