"""Two instances behind one load balancer share Redis: a sign-in may start on A and finish on B."""

from __future__ import annotations

import pytest
import redis
import requests

from devidp.driver import sign_in
from tests.e2e.conftest import (
    DEMO_PASSWORD,
    DEMO_USER,
    emulator_env,
    start_emulator,
    start_rp,
)
from tests.support.servers import RedisServer, free_port, stop

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster(tmp_path):
    """Redis, the emulator, and instances A and B of the app, both configured for A's public URL."""
    redis_server = RedisServer(tmp_path).start()
    port_a, port_b = free_port(), free_port()
    public_url = f"http://localhost:{port_a}"  # Cognito allows plain http for localhost only
    emulator = start_emulator(tmp_path, public_url)
    env = {**emulator_env(emulator), "SESSION_STORE_URL": redis_server.url, "APP_BASE_URL": public_url}
    a = start_rp(tmp_path, port_a, env, name="rp-a", host="localhost")
    b = start_rp(tmp_path, port_b, env, name="rp-b", host="localhost")
    yield redis_server, emulator, a, b
    for server in (a, b, emulator):
        stop(server.process)
    redis_server.stop()


def me(http: requests.Session, base: str) -> requests.Response:
    return http.get(base + "/api/me", timeout=10)


def test_sign_in_on_a_callback_on_b_then_sign_out_on_b_ends_it_on_a(cluster):
    redis_server, emulator, a, b = cluster
    browser = requests.Session()  # cookies ignore ports: A and B see the same cookie, as behind one domain
    landed = sign_in(browser, a.url + "/login", DEMO_USER, DEMO_PASSWORD, callback_base=b.url)
    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    assert me(browser, a.url).json()["username"] == "demo"
    assert me(browser, b.url).json()["username"] == "demo"
    assert redis.Redis.from_url(redis_server.url).keys("cognito-rp:session:*")

    page = browser.get(b.url + "/", timeout=10).text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    logout = browser.post(b.url + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert logout.status_code == 302 and logout.headers["Location"].startswith(f"{emulator.url}/logout?")
    assert me(browser, a.url).status_code == 401
    assert me(browser, b.url).status_code == 401


def test_a_callback_replayed_on_the_other_instance_is_refused(cluster):
    _, _, a, b = cluster
    browser = requests.Session()
    landed = sign_in(browser, a.url + "/login", DEMO_USER, DEMO_PASSWORD, callback_base=a.url)
    callback = landed.url
    assert landed.status_code == 302
    replay = browser.get(b.url + callback[callback.index("/oauth/v2/callback"):], allow_redirects=False, timeout=10)
    assert replay.status_code == 400
