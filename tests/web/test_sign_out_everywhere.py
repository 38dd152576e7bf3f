"""POST /logout/everywhere: every session of the user in this app ends, on every device."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import AuthActions, csrf_token_of
from tests.support.cognito import ALICE, DOMAIN, PoolUser
from tests.web.test_signed_out_tokens import bearer_me, refused_as_signed_out

BOB = PoolUser("bob", "bob@example.com")


def signed_in(device: AuthActions) -> bool:
    return device.client.get("/api/me").status_code == 200


def sign_out_everywhere(device: AuthActions):
    token = csrf_token_of(device.client.get("/"))
    return device.client.post("/logout/everywhere", data={"csrf_token": token})


def devices(app, idp, count: int) -> list[AuthActions]:
    return [AuthActions(app.test_client(), idp) for _ in range(count)]


def test_every_device_of_the_user_is_signed_out(app, idp):
    laptop, phone, tablet = devices(app, idp, 3)
    for device in (laptop, phone, tablet):
        device.sign_in(user=ALICE)
    response = sign_out_everywhere(laptop)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{DOMAIN}/logout"
    assert not any(signed_in(device) for device in (laptop, phone, tablet))
    assert "You are not signed in" in phone.client.get("/").get_data(as_text=True)


def test_other_users_stay_signed_in(app, idp):
    alice, bob = devices(app, idp, 2)
    alice.sign_in(user=ALICE)
    bob.sign_in(user=BOB)
    sign_out_everywhere(alice)
    assert signed_in(bob)


def test_a_user_who_got_a_reused_user_name_stays_signed_in(app, idp):
    """The index is the provider and sub: a new user given alice's old name is somebody else."""
    old_alice, new_alice = devices(app, idp, 2)
    old_alice.sign_in(user=ALICE)
    new_alice.sign_in(user=PoolUser("alice", "alice@example.com"))  # same name, another sub
    sign_out_everywhere(old_alice)
    assert signed_in(new_alice)


def test_every_refresh_token_is_revoked_and_every_access_token_refused(app, idp):
    laptop, phone = devices(app, idp, 2)
    laptop.sign_in(user=ALICE)
    phone.sign_in(user=ALICE)
    refresh_tokens = [answer["refresh_token"] for answer in idp.issued]
    access_tokens = [answer["access_token"] for answer in idp.issued]
    sign_out_everywhere(laptop)
    assert sorted(idp.revoked) == sorted(refresh_tokens)
    assert all(refused_as_signed_out(bearer_me(app, token)) for token in access_tokens)


def test_it_needs_the_csrf_token(app, idp):
    laptop, phone = devices(app, idp, 2)
    laptop.sign_in(user=ALICE)
    phone.sign_in(user=ALICE)
    assert laptop.client.post("/logout/everywhere").status_code == 400
    foreign = csrf_token_of(phone.client.get("/"))
    assert laptop.client.post("/logout/everywhere", data={"csrf_token": foreign}).status_code == 400
    assert signed_in(laptop) and signed_in(phone)


def test_without_a_session_it_only_goes_home(app, idp):
    phone, stranger = devices(app, idp, 2)
    phone.sign_in(user=ALICE)
    response = stranger.client.post("/logout/everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert signed_in(phone)


def test_a_timed_out_session_is_skipped_and_forgotten(app, idp, clock):
    old, new = devices(app, idp, 2)
    old.sign_in(user=ALICE)
    clock.advance(app.extensions["cognito_signin"].settings.session_idle_timeout + 1)  # the old one times out
    new.sign_in(user=ALICE)
    assert sign_out_everywhere(new).status_code == 302
    assert idp.revoked == [idp.issued[-1]["refresh_token"]], "the timed-out session had nothing left to end"
    assert app.extensions["cognito_signin"].store.set_keys("user-sessions:") == []
