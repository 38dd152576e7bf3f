"""Changing users while the emulator runs: the admin HTTP API and ``python -m devidp admin``.

Cognito API reference: AdminCreateUser, AdminDisableUser ("deactivates a user and revokes
all access tokens for the user. A deactivated user can't sign in"), AdminEnableUser,
AdminDeleteUser, AdminSetUserPassword, AdminAddUserToGroup / AdminRemoveUserFromGroup,
AdminUserGlobalSignOut.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from devidp import start_server
from devidp.__main__ import main as devidp_main
from devidp.config import DEFAULT_CONFIG_PATH, load_config
from tests.devidp.conftest import HostedUIDriver

ADMIN = "http://127.0.0.1:9229/_admin"


@pytest.fixture
def admin(issuer_http):
    """Call the admin API as a loopback client would."""

    def call(method: str, path: str, body: dict | None = None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return issuer_http.open(ADMIN + path, method=method, **kwargs)

    return call


def test_list_and_show_never_reveal_passwords(admin):
    users = admin("GET", "/users").get_json()["users"]
    assert [u["username"] for u in users] == ["demo", "guest"]
    demo = admin("GET", "/users/DEMO").get_json()
    assert demo["groups"] == ["admins", "readers"] and demo["enabled"] is True
    assert "DemoPass1!" not in json.dumps(users) and "password" not in demo
    assert admin("GET", "/users/nobody").status_code == 404


def test_an_added_user_signs_in_with_the_pool_file_rules(admin, hosted_ui, verify_jwt):
    """AdminCreateUser: the new user obeys the pool's rules (password policy, unique names)."""
    weak = admin("POST", "/users", {"username": "alice", "password": "weak"})
    assert weak.status_code == 400 and "password" in weak.get_json()["error_description"]
    taken = admin("POST", "/users", {"username": "Demo", "password": "AlicePass1!"})
    assert "two users share a username" in taken.get_json()["error_description"]
    added = admin("POST", "/users", {"username": "alice", "password": "AlicePass1!",
                                     "email": "alice@example.com", "groups": ["readers"]})
    assert added.status_code == 201 and added.get_json()["username"] == "alice"
    claims = verify_jwt(hosted_ui.tokens(username="alice", password="AlicePass1!")["id_token"]).claims
    assert (claims["cognito:username"], claims["cognito:groups"]) == ("alice", ["readers"])


def test_a_disabled_users_refresh_token_stops_working(admin, hosted_ui):
    """AdminDisableUser: the user cannot sign in, its tokens are revoked, so the relying
    party sees invalid_grant at its next refresh; enabling does not revive them."""
    tokens = hosted_ui.tokens()
    assert admin("POST", "/users/demo/disable", {}).get_json()["enabled"] is False
    assert hosted_ui.refresh(tokens["refresh_token"]).get_json() == {"error": "invalid_grant"}
    assert hosted_ui.userinfo(tokens["access_token"]).status_code == 401
    page = hosted_ui.login_page(hosted_ui.params())
    assert "Incorrect username or password." in hosted_ui.submit(page, "demo", "DemoPass1!").get_data(as_text=True)
    # The hosted-UI session ended too: no silent sign-in.
    assert hosted_ui.path(hosted_ui.authorize(hosted_ui.params()).location) == "/login"

    admin("POST", "/users/demo/enable", {})
    assert hosted_ui.refresh(tokens["refresh_token"]).get_json() == {"error": "invalid_grant"}
    assert hosted_ui.refresh(hosted_ui.tokens()["refresh_token"]).status_code == 200


def test_a_global_sign_out_revokes_the_users_tokens_and_leaves_its_hosted_ui_session(admin, app, pool, hosted_ui):
    """AdminUserGlobalSignOut: Cognito "no longer accepts a signed-out user's refresh tokens in
    refresh requests" nor its access tokens at its own endpoints, and the operation "doesn't
    clear the managed login session cookie". Other users keep theirs."""
    laptop, phone = hosted_ui, HostedUIDriver(app.test_client(), pool.default_client)
    on_laptop, on_phone = laptop.tokens(), phone.tokens()
    guests = HostedUIDriver(app.test_client(), pool.default_client).tokens(username="guest", password="GuestPass1!")

    answer = admin("POST", "/users/DEMO/global-sign-out", {})

    assert answer.status_code == 200 and answer.get_json()["username"] == "demo"
    for tokens in (on_laptop, on_phone):
        assert laptop.refresh(tokens["refresh_token"]).get_json() == {"error": "invalid_grant"}
        assert laptop.userinfo(tokens["access_token"]).status_code == 401
    assert laptop.refresh(guests["refresh_token"]).status_code == 200
    assert laptop.userinfo(guests["access_token"]).status_code == 200
    assert "code" in laptop.query(laptop.authorize(laptop.params()).location), "the hosted-UI session stays"
    assert admin("POST", "/users/nobody/global-sign-out", {}).status_code == 404


def test_a_deleted_users_tokens_do_not_pass_to_a_new_user_of_that_name(admin, hosted_ui):
    """AdminDeleteUser: the user and its tokens are gone, even if the name comes back."""
    refresh_token = hosted_ui.tokens(username="guest", password="GuestPass1!")["refresh_token"]
    assert admin("DELETE", "/users/guest").status_code == 204
    assert hosted_ui.refresh(refresh_token).get_json() == {"error": "invalid_grant"}
    admin("POST", "/users", {"username": "guest", "password": "GuestPass1!"})
    assert hosted_ui.refresh(refresh_token).get_json() == {"error": "invalid_grant"}


def test_group_changes_show_at_the_next_refresh(admin, hosted_ui, verify_jwt):
    """Tokens carry cognito:groups as they are when issued: a refresh after a change
    brings the new groups (Cognito developer guide: "Refresh tokens")."""
    refresh_token = hosted_ui.tokens()["refresh_token"]
    assert admin("PUT", "/users/demo/groups", {"groups": ["readers"]}).get_json()["groups"] == ["readers"]
    refreshed = hosted_ui.refresh(refresh_token).get_json()
    assert verify_jwt(refreshed["id_token"]).claims["cognito:groups"] == ["readers"]
    assert verify_jwt(refreshed["access_token"]).claims["cognito:groups"] == ["readers"]
    admin("PUT", "/users/demo/groups", {"groups": []})
    assert "cognito:groups" not in verify_jwt(hosted_ui.refresh(refresh_token).get_json()["id_token"]).claims


def test_set_password_follows_the_policy(admin, hosted_ui):
    """AdminSetUserPassword (Permanent): the pool's password policy applies."""
    assert admin("PUT", "/users/demo/password", {"password": "short"}).status_code == 400
    assert admin("PUT", "/users/demo/password", {"password": "NewDemoPass2!"}).status_code == 200
    page = hosted_ui.login_page(hosted_ui.params())
    assert hosted_ui.submit(page, "demo", "DemoPass1!").status_code == 200  # the form again
    assert hosted_ui.submit(page, "demo", "NewDemoPass2!").status_code == 302


@pytest.mark.parametrize(
    ("environ", "headers", "status"),
    [
        ({"REMOTE_ADDR": "192.0.2.7"}, {}, 403),  # not a loopback peer
        ({}, {"Host": "rebound.example:9229"}, 403),  # DNS rebinding to 127.0.0.1
        ({}, {"Content-Type": "application/x-www-form-urlencoded"}, 415),  # a cross-site form
    ],
)
def test_the_admin_api_is_for_local_programs_only(issuer_http, environ, headers, status):
    response = issuer_http.post(
        ADMIN + "/users/demo/disable", data="x=1", headers=headers, environ_base=environ
    )
    assert response.status_code == status
    assert issuer_http.get(ADMIN + "/users/demo").get_json()["enabled"] is True


def test_the_admin_api_is_not_on_the_pool_domain(http):
    assert http.get("/_admin/users").status_code == 404


def test_email_pools_generate_the_new_users_name(make_emulator, pool):
    """"Working with user attributes": with email as the user name, Cognito generates it."""
    email_pool = replace(pool, username_attributes=("email",),
                         users=tuple(replace(u, username=None) for u in pool.users))
    issuer = make_emulator(email_pool).issuer.test_client()
    added = issuer.post(ADMIN + "/users", json={"email": "new@example.com", "password": "NewUserPass1!"})
    assert added.status_code == 201, added.get_json()
    username = added.get_json()["username"]
    assert username == added.get_json()["sub"]
    assert issuer.get(ADMIN + "/users/new@example.com").get_json()["username"] == username


def test_the_admin_command_drives_a_running_emulator(tmp_path, monkeypatch, capsys):
    """``python -m devidp admin`` over real HTTP; passwords come from stdin, not argv."""
    with start_server(load_config(DEFAULT_CONFIG_PATH), instance_path=tmp_path) as idp:
        url = ["admin", "--url", idp.issuer_base_url]
        monkeypatch.setattr("sys.stdin", io.StringIO("CarolPass1!\n"))
        assert devidp_main([*url, "--password-stdin", "add", "carol", "--group", "readers"]) == 0
        assert json.loads(capsys.readouterr().out)["groups"] == ["readers"]
        assert devidp_main([*url, "set-groups", "carol", "admins", "readers"]) == 0
        assert json.loads(capsys.readouterr().out)["groups"] == ["admins", "readers"]
        assert devidp_main([*url, "global-sign-out", "carol"]) == 0
        assert json.loads(capsys.readouterr().out)["username"] == "carol"
        assert devidp_main([*url, "disable", "carol"]) == 0
        assert json.loads(capsys.readouterr().out)["enabled"] is False
        assert devidp_main([*url, "delete", "carol"]) == 0
        assert devidp_main([*url, "show", "carol"]) == 1
        assert "No user 'carol'" in capsys.readouterr().err
        assert "carol" not in json.dumps(idp.apps.emulator.pool.users, default=str)
    assert devidp_main(["admin", "--url", idp.issuer_base_url, "list"]) == 1
    assert "cannot reach the emulator" in capsys.readouterr().err


def test_a_temporary_password_forces_a_new_one_at_sign_in(admin, hosted_ui):
    """AdminSetUserPassword with Permanent false: FORCE_CHANGE_PASSWORD."""
    answer = admin("PUT", "/users/guest/password", {"password": "TempGuest1!", "permanent": False})
    assert answer.get_json()["status"] == "FORCE_CHANGE_PASSWORD"
    page = hosted_ui.login_page(hosted_ui.params())
    assert hosted_ui.path(hosted_ui.submit(page, "guest", "TempGuest1!").location) == "/login/new-password"


def test_totp_secrets_are_never_shown(admin):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    added = admin("POST", "/users", {"username": "otp", "password": "OtpUserPass1!", "totp_secret": secret})
    assert added.get_json()["totp_mfa"] is True
    assert secret not in json.dumps(admin("GET", "/users").get_json())
