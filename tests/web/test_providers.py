"""Several identity providers side by side: a button each, /login/<alias>, and a session that remembers which."""

from __future__ import annotations

import time

import pytest

from tests.conftest import AuthActions, relative
from tests.support.cognito import ALICE, FakeCognito, Pool, PoolUser, sign

STAFF = Pool(
    issuer="https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Staff1",
    domain="https://staff.auth.eu-central-1.amazoncognito.com",
    client_id="staffclient0000000000000001",
    client_secret="staff-secret",
)
CAROL = PoolUser("carol", "carol@staff.example.com", True, ("staff",))


@pytest.fixture
def staff_idp(idp, signing_key) -> FakeCognito:
    return FakeCognito(idp.mock, signing_key, STAFF).install()


@pytest.fixture
def app(make_app, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(
        f'[providers.staff]\nlabel = "Staff pool"\ndiscovery_url = "{STAFF.discovery_url}"\n'
        f'client_id = "{STAFF.client_id}"\nclient_secret_env = "STAFF_SECRET"\n'
    )
    return make_app(OIDC_PROVIDERS_FILE=str(path), STAFF_SECRET=STAFF.client_secret)


def test_the_page_has_one_button_per_provider(client):
    text = client.get("/").get_data(as_text=True)
    assert 'href="/login/cognito">Sign in with Cognito</a>' in text
    assert 'href="/login/staff">Sign in with Staff pool</a>' in text


def test_login_without_alias_lets_the_user_choose_and_keeps_next(client):
    text = client.get("/login?next=/admin").get_data(as_text=True)
    assert 'href="/login/staff?next=/admin"' in text and 'href="/login/cognito?next=/admin"' in text


def test_an_unknown_alias_is_404(client):
    assert client.get("/login/nope").status_code == 404


def test_two_providers_sign_in_side_by_side(app, idp, staff_idp):
    first, second = app.test_client(), app.test_client()
    login = first.get("/login/cognito")
    first.get(relative(idp.authorize(login.headers["Location"], ALICE)))
    login = second.get("/login/staff")
    second.get(relative(staff_idp.authorize(login.headers["Location"], CAROL)))
    assert first.get("/api/me").json["username"] == "alice"
    assert second.get("/api/me").json["username"] == "carol"
    assert second.get("/api/me").json["claims"]["iss"] == STAFF.issuer
    assert "with Staff pool" in second.get("/").get_data(as_text=True)


def test_logout_and_refresh_go_to_the_provider_that_signed_the_user_in(app, idp, staff_idp):
    browser = AuthActions(app.test_client(), staff_idp)
    login = browser.client.get("/login/staff")
    browser.client.get(relative(staff_idp.authorize(login.headers["Location"], CAROL)))
    refresh_token = next(iter(staff_idp.refresh_tokens))
    assert browser.sign_out().headers["Location"].startswith(f"{STAFF.domain}/logout?client_id={STAFF.client_id}")
    assert staff_idp.revoked == [refresh_token] and not idp.revoked  # the staff pool checked its own client's secret


def test_a_callback_is_finished_by_the_provider_that_started_it(app, idp, staff_idp):
    """A code from the staff pool, sent back with a state of a Cognito sign-in, goes to Cognito and fails there."""
    browser = app.test_client()
    cognito_login = browser.get("/login/cognito")
    staff_login = browser.get("/login/staff")
    staff_callback = staff_idp.authorize(staff_login.headers["Location"], CAROL)
    cognito_state = cognito_login.headers["Location"].split("state=")[1].split("&")[0]
    mixed = relative(staff_callback).split("&state=")[0] + "&state=" + cognito_state
    assert browser.get(mixed).status_code == 400
    assert browser.get("/api/me").status_code == 401


def test_bearer_tokens_of_each_provider_are_accepted(app, idp, staff_idp):
    client = app.test_client()
    for fake, user in ((idp, ALICE), (staff_idp, CAROL)):
        token = sign(fake.access_token_claims(user, "openid", int(time.time()), "o"), fake.key)
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json["username"] == user.username


def test_a_group_of_another_provider_does_not_count(app, staff_idp):
    """"admins" in the staff pool is not the "admins" of the default pool that /admin asks for."""
    staff_admin = PoolUser("dave", "dave@staff.example.com", True, ("admins",))
    browser = app.test_client()
    login = browser.get("/login/staff")
    browser.get(relative(staff_idp.authorize(login.headers["Location"], staff_admin)))
    assert browser.get("/api/me").json["groups"] == ["admins"]
    assert browser.get("/admin").status_code == 403
