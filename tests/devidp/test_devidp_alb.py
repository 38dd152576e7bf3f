"""The emulator's load balancer (devidp/alb.py), over real HTTP: it signs people in against the emulated pool
and forwards them as an ALB does; the app behind it believes its headers and refuses everyone else's.

Two targets stand behind it: an echo app, to see exactly what an ALB forwards, and the example
host in COGNITO_SIGNIN_MODE=alb, which is also reachable straight, without the ALB, as an app
whose security group was left open is.
"""

from __future__ import annotations

import json
import re
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from devidp import parse_config, start_server
from devidp.alb_keys import LoadBalancerKey
from devidp.config import DEFAULT_CONFIG_PATH
from devidp.driver import sign_in
from devidp.server import LoadBalancerOptions
from flask_cognito_signin.alb.public_keys import LoadBalancerKeys
from flask_cognito_signin.alb.user_claims import verify_user_claims
from scripts.processes import free_port
from tests.support.clock import Clock

DEMO, DEMO_PASSWORD = "demo", "DemoPass1!"
OTHER_ARN = "arn:aws:elasticloadbalancing:us-east-1:999999999999:loadbalancer/app/other-alb/0000000000000bad"


@contextmanager
def serving(app, port: int) -> Iterator[str]:
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@Request.application
def echo(request: Request) -> Response:
    """The target that shows what reached it, and sets two cookies (an ALB passes both on)."""
    response = Response(json.dumps({"path": request.full_path, "headers": dict(request.headers)}),
                        mimetype="application/json")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


@contextmanager
def emulator_in_front_of(target_port: int, tmp_path) -> Iterator:
    alb_port = free_port()
    text = DEFAULT_CONFIG_PATH.read_text().replace("http://localhost:9280", f"http://localhost:{alb_port}")
    config = parse_config(tomllib.loads(text))
    with start_server(config, instance_path=tmp_path / "idp",
                      load_balancer=LoadBalancerOptions(f"http://127.0.0.1:{target_port}", alb_port)) as idp:
        yield idp


@pytest.fixture
def echo_behind_alb(tmp_path):
    target_port = free_port()
    with serving(echo, target_port), emulator_in_front_of(target_port, tmp_path) as idp:
        yield idp


@pytest.fixture
def rp_behind_alb(tmp_path):
    """The example host behind the ALB: (the emulator, the app's own URL, straight)."""
    target_port = free_port()
    with emulator_in_front_of(target_port, tmp_path) as idp:
        alb = idp.load_balancer
        app = create_app({
            "SECRET_KEY": "alb-integration-" + "k" * 32, "OIDC_DISCOVERY_URL": idp.discovery_url,
            "OIDC_CLIENT_ID": alb.client.client_id, "COGNITO_SIGNIN_MODE": "alb", "ALB_ARN": alb.arn,
            "ALB_PUBLIC_KEYS_URL": idp.alb_public_keys_url, "APP_BASE_URL": alb.public_url,
            "SESSION_STORE_URL": f"sqlite:///{tmp_path / 'sessions.db'}", "TRUSTED_PROXY_COUNT": "1",
        })
        with serving(app, target_port) as straight:
            yield idp, straight


def signed_in_browser(idp, path: str = "/") -> requests.Session:
    browser = requests.Session()
    answer = sign_in(browser, idp.load_balancer.public_url + path, DEMO, DEMO_PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == path, answer.text
    return browser


# What an ALB forwards -----------------------------------------------------------------------------


def test_a_visitor_signs_in_at_the_pool_and_comes_back_where_they_were_going(echo_behind_alb):
    alb = echo_behind_alb.load_balancer
    first = requests.get(alb.public_url + "/reports?year=2026", allow_redirects=False)
    assert first.status_code == 302
    authorize = urlsplit(first.headers["Location"])
    assert authorize._replace(query="").geturl() == f"{echo_behind_alb.domain_url}/oauth2/authorize"
    query = parse_qs(authorize.query)
    assert query["client_id"] == [alb.client.client_id] and query["scope"] == ["openid"]
    assert query["redirect_uri"] == [alb.public_url + "/oauth2/idpresponse"]
    browser = signed_in_browser(echo_behind_alb, "/reports?year=2026")
    seen = browser.get(alb.public_url + "/reports?year=2026").json()
    assert seen["path"] == "/reports?year=2026"


def test_the_forwarded_claims_verify_as_an_albs_against_the_emulators_key_endpoint(echo_behind_alb):
    alb = echo_behind_alb.load_balancer
    headers = signed_in_browser(echo_behind_alb).get(alb.public_url + "/").json()["headers"]
    data = headers["X-Amzn-Oidc-Data"]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+=*", segment) for segment in data.split(".")) and "=" in data
    keys = LoadBalancerKeys(echo_behind_alb.alb_public_keys_url, 5.0, time.time)
    verified = verify_user_claims(data, keys=keys, signer=alb.arn, client_id=alb.client.client_id,
                                  issuer=echo_behind_alb.issuer, now=time.time())
    assert verified.claims["username"] == DEMO and verified.claims["email"] == "demo@example.com"
    assert headers["X-Amzn-Oidc-Identity"] == verified.claims["sub"]
    assert headers["X-Amzn-Oidc-Accesstoken"].count(".") == 2
    assert headers["Host"] == urlsplit(alb.public_url).netloc, "Host is the client's"
    assert (headers["X-Forwarded-Proto"], headers["X-Forwarded-Port"]) == ("http", str(urlsplit(alb.public_url).port))
    assert headers["X-Forwarded-For"] == "127.0.0.1"


def test_a_clients_own_x_amzn_oidc_headers_never_reach_the_target(echo_behind_alb):
    alb = echo_behind_alb.load_balancer
    browser = signed_in_browser(echo_behind_alb)
    genuine = browser.get(alb.public_url + "/").json()["headers"]
    forged = {"X-Amzn-Oidc-Data": "forged", "X-Amzn-Oidc-Identity": "someone-else",
              "X-Amzn-Oidc-Accesstoken": "forged", "X-Amzn-Oidc-Extra": "forged"}
    seen = browser.get(alb.public_url + "/", headers=forged).json()["headers"]
    assert seen["X-Amzn-Oidc-Identity"] == genuine["X-Amzn-Oidc-Identity"]
    assert "forged" not in json.dumps(seen) and "X-Amzn-Oidc-Extra" not in seen


def test_nobody_reaches_the_target_without_signing_in_whatever_headers_they_send(echo_behind_alb):
    alb = echo_behind_alb.load_balancer
    answer = requests.get(alb.public_url + "/", allow_redirects=False,
                          headers={"X-Amzn-Oidc-Identity": "someone", "Cookie": "AWSELBAuthSessionCookie-0=guess"})
    assert answer.status_code == 302 and "/oauth2/authorize?" in answer.headers["Location"]


def test_every_cookie_the_target_sets_reaches_the_browser(echo_behind_alb):
    browser = signed_in_browser(echo_behind_alb)
    answer = browser.get(echo_behind_alb.load_balancer.public_url + "/")
    assert sorted(cookie.split("=", 1)[0] for cookie in answer.raw.headers.getlist("Set-Cookie")) == ["first", "second"]


def test_a_callback_the_alb_did_not_start_is_refused(echo_behind_alb):
    alb = echo_behind_alb.load_balancer
    answer = requests.get(alb.public_url + "/oauth2/idpresponse?code=stolen&state=made-up", allow_redirects=False)
    assert answer.status_code == 401


def test_the_key_endpoint_serves_the_albs_key_as_pem_and_nothing_else(echo_behind_alb):
    kid = echo_behind_alb.load_balancer.key.kid
    served = requests.get(f"{echo_behind_alb.alb_public_keys_url}/{kid}")
    assert served.status_code == 200 and served.content.startswith(b"-----BEGIN PUBLIC KEY-----")
    unknown = "00000000-0000-0000-0000-000000000000"
    assert requests.get(f"{echo_behind_alb.alb_public_keys_url}/{unknown}").status_code == 403


def test_an_expired_access_token_is_refreshed_and_a_refused_refresh_signs_in_again(echo_behind_alb):
    alb = echo_behind_alb.load_balancer
    browser = signed_in_browser(echo_behind_alb)
    first = browser.get(alb.public_url + "/").json()["headers"]["X-Amzn-Oidc-Accesstoken"]
    clock = Clock()
    alb.clock = clock
    clock.advance(alb.client.access_token_validity_seconds)
    refreshed = browser.get(alb.public_url + "/").json()["headers"]["X-Amzn-Oidc-Accesstoken"]
    assert refreshed != first, "the ALB used its refresh token"
    echo_behind_alb.apps.emulator.directory.global_sign_out(DEMO)  # the refresh token stops working
    clock.advance(alb.client.access_token_validity_seconds)
    answer = browser.get(alb.public_url + "/", allow_redirects=False)
    assert answer.status_code == 302 and "/oauth2/authorize?" in answer.headers["Location"]


# The app behind it ----------------------------------------------------------------------------------


def test_the_app_behind_the_alb_knows_who_signed_in(rp_behind_alb):
    idp, _ = rp_behind_alb
    me = signed_in_browser(idp).get(idp.load_balancer.public_url + "/api/me").json()
    assert me["authenticated_by"] == "load_balancer" and me["username"] == DEMO
    assert me["groups"] == ["admins", "readers"] and me["email_verified"] is True


def straight_headers(idp, key: LoadBalancerKey, **header) -> dict[str, str]:
    """x-amzn-oidc-* made up by someone who reaches the app without the ALB, signed with `key`."""
    alb, now = idp.load_balancer, int(time.time())
    claims = {"sub": "f8175d3d-24d9-4922-9557-17215d073071", "username": DEMO, "exp": now + 120, "iss": idp.issuer}
    fields = {"signer": alb.arn, "iss": idp.issuer, "client": alb.client.client_id, "exp": now + 120, **header}
    return {"X-Amzn-Oidc-Data": key.sign(fields, claims), "X-Amzn-Oidc-Identity": claims["sub"]}


def test_headers_sent_straight_to_the_app_are_refused(rp_behind_alb):
    idp, straight = rp_behind_alb
    alb_key, now = idp.load_balancer.key, int(time.time())
    attempts = {
        "own key": straight_headers(idp, LoadBalancerKey()),
        "own key, the ALB's key id": straight_headers(idp, LoadBalancerKey(kid=alb_key.kid)),
        "an ALB key, another signer": straight_headers(idp, alb_key, signer=OTHER_ARN),
        "an ALB key, expired": straight_headers(idp, alb_key, exp=now - 3600),
        "identity alone": {"X-Amzn-Oidc-Identity": "f8175d3d-24d9-4922-9557-17215d073071"},
    }
    for attempt, headers in attempts.items():
        for path in ("/api/me", "/"):
            assert requests.get(straight + path, headers=headers).status_code == 401, (attempt, path)
    assert requests.get(straight + "/api/me").status_code == 401, "no headers: nobody"


def test_signing_out_ends_the_albs_session_and_the_pools(rp_behind_alb):
    idp, _ = rp_behind_alb
    alb = idp.load_balancer
    browser = signed_in_browser(idp)
    page = browser.get(alb.public_url + "/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = browser.post(alb.public_url + "/logout", data={"csrf_token": token}, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(idp.domain_url + "/logout?")
    assert "AWSELBAuthSessionCookie-0" not in browser.cookies
    back = browser.get(answer.headers["Location"])  # Cognito's /logout, then the app's URL through the ALB
    assert back.url.startswith(idp.domain_url + "/login?"), "signed out at the pool too: the password is asked"
    assert 'name="password"' in back.text
