"""Running behind a load balancer: readiness, proxy headers, Redis sessions that come and go."""

from __future__ import annotations

import json

import pytest
import redis
import requests
import responses

from tests.conftest import AuthActions, relative
from tests.support.cognito import DISCOVERY_URL
from tests.support.servers import RedisServer


def test_readyz_is_ready_when_discovery_and_the_store_answer(client, idp):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}


def test_readyz_fails_while_discovery_is_unreachable_and_tells_only_the_log_why(client, idp, caplog):
    idp.mock.remove(responses.GET, DISCOVERY_URL)
    idp.mock.add(responses.GET, DISCOVERY_URL, body=requests.ConnectionError("down"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "not ready"}, "no paths, hosts or errors for anonymous callers"
    (logged,) = [record for record in caplog.records if getattr(record, "event", None) == "not_ready"]
    assert logged.fields["failures"]["discovery:cognito"].startswith("idp_unreachable")
    assert client.get("/healthz").status_code == 200, "the process itself is alive"


@pytest.mark.parametrize("trusted", [None, "0"])
def test_forged_forwarded_headers_change_nothing_without_trusted_proxies(make_app, idp, trusted, caplog):
    app = make_app(**({"TRUSTED_PROXY_COUNT": trusted} if trusted else {}))
    forged = {"X-Forwarded-Host": "evil.example.com", "X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"}
    login = app.test_client().get("/login", headers=forged)
    assert "redirect_uri=https%3A%2F%2Frp.example.com%2Foauth%2Fv2%2Fcallback" in login.headers["Location"]
    assert "Secure" in login.headers["Set-Cookie"]
    assert _logged_clients(caplog) == {"127.0.0.1"}


def test_one_trusted_proxy_gives_the_client_address_but_not_the_redirect_uri(make_app, idp, caplog):
    app = make_app(TRUSTED_PROXY_COUNT="1")
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example.com", "X-Forwarded-Proto": "http"}
    login = app.test_client().get("/login", headers=headers)
    assert "redirect_uri=https%3A%2F%2Frp.example.com%2Foauth%2Fv2%2Fcallback" in login.headers["Location"]
    assert "Secure" in login.headers["Set-Cookie"]
    assert _logged_clients(caplog) == {"203.0.113.9"}


def _logged_clients(caplog) -> set[str]:
    from app.events import JsonFormatter

    with_request = [record for record in caplog.records if getattr(record, "event", None) == "login_started"]
    return {json.loads(JsonFormatter().format(record)).get("client") for record in with_request}


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_sessions_live_in_redis_and_redis_outages_answer_503_then_recover(make_app, idp, redis_server):
    app = make_app(SESSION_STORE_URL=redis_server.url)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    auth = AuthActions(app.test_client(), idp)
    auth.sign_in()
    keys = redis.Redis.from_url(redis_server.url).keys("cognito-rp:session:*")
    assert len(keys) == 1
    assert auth.client.get("/api/me").json["username"] == "alice"

    redis_server.kill()
    for path in ("/", "/api/me", "/login"):
        assert auth.client.get(path).status_code == 503, path
    assert auth.client.get("/readyz").status_code == 503
    fresh = AuthActions(app.test_client(), idp)  # its /login needs no store (the sign-in waits in a cookie)
    assert fresh.client.get(relative(fresh.callback_url())).status_code == 503, "the callback is where it stores"

    redis_server.start()
    assert auth.client.get("/readyz").status_code == 200
    assert auth.client.get("/api/me").status_code == 401, "this throw-away Redis keeps nothing across restarts"
    auth.sign_in()
    assert auth.client.get("/api/me").status_code == 200
