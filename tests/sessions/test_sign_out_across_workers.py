"""Sign-outs reach every worker and instance sharing the store (SQLite across processes, Redis across hosts).

Two app instances sharing one store stand for two workers or two instances behind a load balancer.
"""

from __future__ import annotations

from tests.conftest import AuthActions, csrf_token_of
from tests.sessions.test_signed_out_stays_dead import store_url  # noqa: F401 (the fixture)
from tests.support.cognito import ALICE
from tests.web.test_signed_out_tokens import bearer_me, refused_as_signed_out


def test_a_token_signed_out_on_one_instance_is_refused_on_the_other(make_app, idp, store_url):  # noqa: F811
    a, b = make_app(SESSION_STORE_URL=store_url), make_app(SESSION_STORE_URL=store_url)
    device = AuthActions(a.test_client(), idp)
    device.sign_in(user=ALICE)
    copied = idp.issued[-1]["access_token"]
    assert bearer_me(b, copied).status_code == 200  # instance B has validated (and remembers) the token
    device.sign_out()
    assert refused_as_signed_out(bearer_me(b, copied))


def test_sign_out_everywhere_on_one_instance_ends_a_session_served_by_the_other(make_app, idp, store_url):  # noqa: F811
    a, b = make_app(SESSION_STORE_URL=store_url), make_app(SESSION_STORE_URL=store_url)
    laptop, phone = AuthActions(a.test_client(), idp), AuthActions(b.test_client(), idp)
    laptop.sign_in(user=ALICE)
    phone.sign_in(user=ALICE)
    assert phone.client.get("/api/me").status_code == 200
    laptop.client.post("/logout/everywhere", data={"csrf_token": csrf_token_of(laptop.client.get("/"))})
    assert phone.client.get("/api/me").status_code == 401
