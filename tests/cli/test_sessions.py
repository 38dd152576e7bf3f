"""`flask cognito sessions list` / `end`: an operator sees who is signed in here and signs a user out everywhere."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AuthActions
from tests.support.cognito import ALICE, PoolUser
from tests.support.servers import free_port
from tests.web.test_signed_out_tokens import bearer_me, refused_as_signed_out

BOB = PoolUser("bob", "bob@example.com")
NEW_ALICE = PoolUser("alice", "alice@example.com")  # alice's name, given to a new user after hers was deleted
PASSWORD = "Correct-h0rse-battery!"


@pytest.fixture
def web(make_app):
    return make_app()


@pytest.fixture
def sign_in(web, idp):
    """Sign `user` in on a device of their own; the device (an AuthActions) is returned."""

    def run(user: PoolUser) -> AuthActions:
        device = AuthActions(web.test_client(), idp)
        device.sign_in(user=user)
        return device

    return run


@pytest.fixture
def sessions(cli, environ):
    def run(*args: str):
        return cli(environ, "cognito", "sessions", *args)

    return run


def signed_in(device: AuthActions) -> bool:
    return device.client.get("/api/me").status_code == 200


def test_list_shows_every_session_and_whose_it_is(sessions, sign_in):
    sign_in(ALICE), sign_in(ALICE), sign_in(BOB)
    result = sessions("list")
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()[1:-1]
    assert sorted(row.split()[1:3] for row in rows) == sorted([[ALICE.sub, "alice"]] * 2 + [[BOB.sub, "bob"]])
    assert all(row.startswith("cognito ") for row in rows)
    assert result.output.splitlines()[-1] == "3 session(s)."
    only_bob = sessions("list", "--user", "bob")
    assert len(only_bob.output.splitlines()) == 3 and BOB.sub in only_bob.output and ALICE.sub not in only_bob.output


def test_list_without_sessions_says_so(sessions):
    result = sessions("list")
    assert result.exit_code == 0 and result.output == "No sessions.\n"


def test_end_signs_the_user_out_on_every_device(sessions, sign_in, web, idp):
    laptop, phone, bob = sign_in(ALICE), sign_in(ALICE), sign_in(BOB)
    alices_tokens = [answer["access_token"] for answer in idp.issued[:2]]
    result = sessions("end", "--user", "alice")
    assert result.exit_code == 0, result.output
    assert result.output == f"ended 2 session(s) of alice (cognito sub {ALICE.sub}) here\n"
    assert not signed_in(laptop) and not signed_in(phone) and signed_in(bob)
    assert all(refused_as_signed_out(bearer_me(web, token)) for token in alices_tokens)
    assert sorted(idp.revoked) == sorted(answer["refresh_token"] for answer in idp.issued[:2])
    assert "alice" not in sessions("list").output


def test_a_name_two_users_had_is_refused_until_the_sub_says_which(sessions, sign_in):
    old, new = sign_in(ALICE), sign_in(NEW_ALICE)
    refused = sessions("end", "--user", "alice")
    assert refused.exit_code == 2 and "pass --sub" in refused.output and ALICE.sub in refused.output
    assert signed_in(old) and signed_in(new)
    result = sessions("end", "--sub", ALICE.sub)
    assert result.exit_code == 0, result.output
    assert not signed_in(old) and signed_in(new)


def test_end_of_a_user_without_sessions_says_so(sessions, sign_in):
    bob = sign_in(BOB)
    result = sessions("end", "--user", "alice")
    assert result.exit_code == 0 and result.output == "no session of alice here\n"
    assert signed_in(bob)


@pytest.mark.parametrize(("args", "complaint"), [
    pytest.param((), "--user NAME or --sub SUB", id="no-user"),
    pytest.param(("--sub", "x", "--global"), "--global needs --user", id="global-without-name"),
    pytest.param(("--user", "alice", "--provider", "nope"), "no provider is called 'nope'", id="unknown-provider"),
])
def test_end_refuses_what_it_cannot_do(sessions, args, complaint):
    result = sessions("end", *args)
    assert result.exit_code == 2 and complaint in result.output


def test_a_store_that_does_not_answer_is_one_line(cli, environ):
    result = cli({**environ, "SESSION_STORE_URL": f"redis://127.0.0.1:{free_port()}/0"}, "cognito", "sessions", "list")
    assert result.exit_code == 1 and result.output.startswith("Error: Redis session store:")
    assert "Traceback" not in result.output


def test_global_signs_the_user_out_at_the_pool(aws, cli, environ):
    """AdminUserGlobalSignOut against moto: the user's refresh token stops working."""
    pool_id = aws.create_user_pool(PoolName="rp-pool")["UserPool"]["Id"]
    client_id = aws.create_user_pool_client(
        UserPoolId=pool_id, ClientName="cli", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH",
                                                                 "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    aws.admin_create_user(UserPoolId=pool_id, Username="alice")
    aws.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    refresh_token = aws.admin_initiate_auth(
        UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]["RefreshToken"]
    discovery = f"https://cognito-idp.eu-west-1.amazonaws.com/{pool_id}/.well-known/openid-configuration"

    result = cli({**environ, "OIDC_DISCOVERY_URL": discovery}, "cognito", "sessions", "end", "--user", "alice",
                 "--global")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "no session of alice here",
        f"signed alice out at user pool {pool_id} (AdminUserGlobalSignOut): its refresh tokens no longer work",
    ]
    with pytest.raises(ClientError, match="NotAuthorizedException"):
        aws.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters={"REFRESH_TOKEN": refresh_token})


def test_global_reports_the_pool_refusing(aws, cli, environ):
    pool_id = aws.create_user_pool(PoolName="rp-pool")["UserPool"]["Id"]
    discovery = f"https://cognito-idp.eu-west-1.amazonaws.com/{pool_id}/.well-known/openid-configuration"
    result = cli({**environ, "OIDC_DISCOVERY_URL": discovery}, "cognito", "sessions", "end", "--user", "nobody",
                 "--global")
    assert result.exit_code == 1
    assert "AWS AdminUserGlobalSignOut failed: UserNotFoundException" in result.output


def test_global_without_aws_credentials_says_how_to_get_them(cli, environ):
    result = cli(environ, "cognito", "sessions", "end", "--user", "alice", "--global")
    assert result.exit_code == 1 and "no AWS" in result.output
