"""The pool config: the checked-in demo pool and validation of bad configs."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from devidp.config import (
    DEFAULT_CONFIG_PATH,
    AppClient,
    ConfigError,
    PoolConfig,
    User,
    load_config,
    parse_config,
)


def test_default_pool_has_demo_user_and_client(pool):
    assert pool.pool_id == "us-east-1_DevPool01"
    assert pool.region == "us-east-1"
    demo = pool.default_user
    assert demo.username == "demo"
    assert demo.email == "demo@example.com" and demo.email_verified is True
    assert demo.groups == ("admins", "readers")
    assert demo.check_password("DemoPass1!")
    assert [u.groups for u in pool.users[1:]] == [()]
    client = pool.default_client
    assert re.fullmatch(r"[a-z0-9]{26}", client.client_id)
    assert client.client_secret and len(client.client_secret) > 40
    assert client.callback_urls == ("http://localhost:5000/oauth/v2/callback",)
    assert client.logout_urls == ("http://localhost:5000/",)
    assert set(client.allowed_scopes) == {"openid", "email", "profile", "phone"}
    assert client.allowed_oauth_flows == ("code",)
    assert (
        client.id_token_validity_seconds,
        client.access_token_validity_seconds,
        client.refresh_token_validity_seconds,
        client.auth_code_validity_seconds,
    ) == (3600, 3600, 30 * 86400, 300)


def test_usernames_are_case_insensitive_and_authenticate_checks_password(pool):
    assert pool.user("DEMO") is pool.default_user
    assert pool.authenticate("Demo", "DemoPass1!") is pool.default_user
    assert pool.authenticate("demo", "demopass1!") is None
    assert pool.authenticate("nobody", "DemoPass1!") is None


def test_env_var_selects_config_and_explicit_path_wins(tmp_path, monkeypatch):
    other = tmp_path / "pool.toml"
    other.write_text(
        DEFAULT_CONFIG_PATH.read_text().replace("us-east-1_DevPool01", "eu-west-1_Other1")
    )
    monkeypatch.setenv("DEVIDP_CONFIG", str(other))
    assert load_config().pool_id == "eu-west-1_Other1"
    assert load_config(DEFAULT_CONFIG_PATH).pool_id == "us-east-1_DevPool01"


def test_programmatic_config_with_defaults():
    config = PoolConfig(
        pool_id="us-west-2_Tests1",
        users=(User(username="alice", password="AlicePass1!"),),
        clients=(AppClient(client_id="testclient", callback_urls=("http://localhost:8000/cb",)),),
    )
    assert config.default_user.sub  # derived, stable
    assert config.default_user.sub == User(username="alice", password="AlicePass1!").sub
    assert config.default_client.is_public
    assert config.default_client.allowed_scopes == ("openid", "email", "phone", "profile")


def _data(**changes):
    data = {
        "pool_id": "us-east-1_DevPool01",
        "users": [{"username": "demo", "password": "DemoPass1!"}],
        "clients": [{"client_id": "abc", "callback_urls": ["http://localhost:5000/cb"]}],
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            data[section][0][field] = value
        else:
            data[section] = value
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pool_id": "DevPool01"}, "pool_id"),
        ({"issuer_base_url": "http://127.0.0.1:9229/prefix"}, "issuer_base_url"),
        ({"domain_url": "http://127.0.0.1:9230/?x=1"}, "domain_url"),
        (
            {"issuer_base_url": "http://127.0.0.1:9229", "domain_url": "http://127.0.0.1:9229/"},
            "domain_url: must differ from issuer_base_url",
        ),
        ({"users": []}, "users: must list at least one user"),
        ({"clients": {"client_id": "x"}}, "clients: must be an array"),
        ({"users__password": "short"}, "users[0].password"),
        ({"users__password": "alllowercase1!"}, "an uppercase letter"),
        ({"users__email": "not-an-email"}, "users[0].email"),
        ({"users__email_verified": "yes"}, "users[0].email_verified"),
        ({"users__groups": ["admins", "admins"]}, "users[0].groups"),
        ({"users__sub": "123"}, "users[0].sub"),
        ({"users__attributes": {"shoe_size": "42"}}, "users[0].attributes.shoe_size"),
        ({"users__attributes": {"phone_number_verified": "true"}}, "phone_number_verified"),
        ({"users__nickname": "x"}, "users[0].nickname: unknown field"),
        ({"clients__client_id": "has space"}, "clients[0].client_id"),
        ({"clients__callback_urls": []}, "clients[0].callback_urls"),
        ({"clients__callback_urls": ["ftp://x/cb"]}, "clients[0].callback_urls[0]"),
        ({"clients__logout_urls": ["/relative"]}, "clients[0].logout_urls[0]"),
        ({"clients__allowed_scopes": ["openid", "admin"]}, "clients[0].allowed_scopes"),
        ({"clients__allowed_scopes": ["email"]}, "require openid"),
        ({"clients__allowed_oauth_flows": ["password"]}, "clients[0].allowed_oauth_flows"),
        ({"clients__access_token_validity_seconds": 0}, "access_token_validity_seconds"),
        ({"clients__id_token_validity_seconds": True}, "id_token_validity_seconds"),
        ({"clients__auth_code_validity_seconds": 0}, "auth_code_validity_seconds"),
        ({"clients__refresh_token_rotation": "ENABLED"}, "refresh_token_rotation"),
        # Cognito's RetryGracePeriodSeconds: 0 to 60 ("Refresh tokens").
        ({"clients__refresh_token_retry_grace_period_seconds": 61}, "from 0 to 60"),
        ({"clients__refresh_token_retry_grace_period_seconds": -1}, "from 0 to 60"),
        ({"clients__read_attributes": ["email", "shoe_size"]}, "clients[0].read_attributes"),
    ],
)
def test_validation_errors_name_the_field(changes, message):
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        parse_config(_data(**changes), source="my.toml")
    assert str(caught.value).startswith("my.toml: ")


@pytest.mark.parametrize(
    ("field", "seconds", "allowed"),
    [
        pytest.param("id_token_validity_seconds", 299, False, id="id-below-5-min"),
        pytest.param("id_token_validity_seconds", 300, True, id="id-5-min"),
        pytest.param("id_token_validity_seconds", 86400, True, id="id-1-day"),
        pytest.param("id_token_validity_seconds", 86401, False, id="id-above-1-day"),
        pytest.param("access_token_validity_seconds", 299, False, id="access-below-5-min"),
        pytest.param("access_token_validity_seconds", 86401, False, id="access-above-1-day"),
        pytest.param("refresh_token_validity_seconds", 3599, False, id="refresh-below-60-min"),
        pytest.param("refresh_token_validity_seconds", 3600, True, id="refresh-60-min"),
        pytest.param("refresh_token_validity_seconds", 315360000, True, id="refresh-10-years"),
        pytest.param("refresh_token_validity_seconds", 315360001, False, id="refresh-above"),
    ],
)
def test_token_lifetimes_stay_in_cognitos_ranges(field, seconds, allowed):
    """"Understanding the identity (ID) token" / "...the access token": 5 minutes to
    1 day; "Refresh tokens": 60 minutes to 10 years. The error names the rule."""
    data = _data(**{f"clients__{field}": seconds})
    if allowed:
        assert getattr(parse_config(data).default_client, field) == seconds
        return
    with pytest.raises(ConfigError, match=rf"clients\[0\]\.{field}: .*Cognito allows between"):
        parse_config(data)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        pytest.param("https://app.example/cb", True, id="https"),
        pytest.param("http://localhost:5000/cb", True, id="http-localhost"),
        pytest.param("http://localhost/cb", True, id="http-localhost-no-port"),
        pytest.param("http://127.0.0.1:5000/cb", False, id="http-loopback-ip"),
        pytest.param("http://app.example/cb", False, id="http-elsewhere"),
        pytest.param("http://localhost.example/cb", False, id="http-lookalike"),
    ],
)
@pytest.mark.parametrize("field", ["callback_urls", "logout_urls"])
def test_callback_and_sign_out_urls_are_https_except_localhost(field, url, allowed):
    """"Amazon Cognito requires HTTPS over HTTP except for http://localhost" (Cognito
    API reference, CreateUserPoolClient CallbackURLs and LogoutURLs)."""
    data = _data(**{f"clients__{field}": [url]})
    if allowed:
        assert getattr(parse_config(data).default_client, field) == (url,)
        return
    with pytest.raises(ConfigError, match=rf"clients\[0\]\.{field}\[0\]: .*must use https"):
        parse_config(data)


def test_missing_required_field_is_named():
    data = _data()
    del data["clients"][0]["client_id"]
    with pytest.raises(ConfigError, match=r"clients\[0\]\.client_id: required field is missing"):
        parse_config(data)
    data = _data()
    del data["clients"][0]["callback_urls"]  # the code flow needs them
    with pytest.raises(ConfigError, match=r"clients\[0\]\.callback_urls: must be a non-empty"):
        parse_config(data)


_API = {"identifier": "orders-api", "name": "Orders", "scopes": ["read", "write"]}
_MACHINE = {
    "client_id": "service",
    "client_secret": "service-secret",
    "allowed_oauth_flows": ["client_credentials"],
    "allowed_scopes": ["orders-api/read"],
}


def test_resource_servers_give_custom_scopes_to_clients():
    """Cognito developer guide, "Scopes, M2M, and APIs with resource servers": a custom
    scope is "<resource server identifier>/<scope name>"; a machine client needs no callback."""
    data = _data(resource_servers=[_API])
    data["clients"].append(dict(_MACHINE))
    data["clients"][0]["allowed_scopes"] = ["openid", "orders-api/write"]
    pool = parse_config(data)
    assert pool.custom_scopes == ("orders-api/read", "orders-api/write")
    machine = pool.client("service")
    assert machine.is_machine_client and machine.callback_urls == ()
    assert pool.default_client.allowed_scopes == ("openid", "orders-api/write")


@pytest.mark.parametrize(
    ("machine", "servers", "message"),
    [
        ({"client_secret": None}, [_API], "clients[1].client_secret: a client_credentials client needs"),
        ({"allowed_oauth_flows": ["client_credentials", "code"]}, [_API], "cannot be combined"),
        ({"allowed_scopes": ["openid"]}, [_API], "takes custom scopes (identifier/name) only"),
        ({"allowed_scopes": ["orders-api/delete"]}, [_API], "clients[1].allowed_scopes: 'orders-api/delete' is not"),
        ({}, [], "is not a scope of any resource server"),
        ({}, [_API, _API], "two resource servers share an identifier"),
        ({}, [{**_API, "scopes": ["read", "read"]}], "resource_servers[0].scopes: lists a scope twice"),
        ({}, [{**_API, "scopes": ["a/b"]}], "resource_servers[0].scopes: 'a/b' is not a scope name"),
        ({}, [{**_API, "identifier": "has space"}], "resource_servers[0].identifier"),
    ],
)
def test_machine_client_and_resource_server_rules(machine, servers, message):
    """Cognito API reference, CreateUserPoolClient AllowedOAuthFlows and CreateResourceServer:
    client_credentials needs a client secret, stands alone, and takes custom scopes only."""
    data = _data(resource_servers=servers)
    data["clients"].append({k: v for k, v in {**_MACHINE, **machine}.items() if v is not None})
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(data)


def test_duplicates_are_rejected():
    data = _data()
    data["users"].append({"username": "DEMO", "password": "OtherPass1!"})
    with pytest.raises(ConfigError, match="two users share a username"):
        parse_config(data)
    data = _data()
    data["clients"].append(dict(data["clients"][0]))
    with pytest.raises(ConfigError, match="two clients share a client_id"):
        parse_config(data)


def test_load_config_reports_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("pool_id = ")
    with pytest.raises(ConfigError, match=r"broken\.toml: invalid TOML"):
        load_config(broken)


def test_replace_revalidates(pool):
    with pytest.raises(ConfigError, match="callback_urls"):
        replace(pool.default_client, callback_urls=())


# Groups and the pre token generation hook ------------------------------------------------------


def test_groups_with_precedence_and_roles_from_the_pool_file(tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text(
        DEFAULT_CONFIG_PATH.read_text()
        + """
[[groups]]
name = "admins"
precedence = 1
role_arn = "arn:aws:iam::123456789012:role/Admins"

[[groups]]
name = "readers"
description = "Can read"
"""
    )
    pool = load_config(path)
    assert [(g.name, g.precedence, g.role_arn) for g in pool.groups] == [
        ("admins", 1, "arn:aws:iam::123456789012:role/Admins"),
        ("readers", None, None),
    ]
    assert pool.group_claims(pool.default_user).preferred_role == "arn:aws:iam::123456789012:role/Admins"


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        pytest.param({"name": "admins", "precedence": -1}, "groups[0].precedence: must be a whole number from 0",
                     id="negative-precedence"),
        pytest.param({"name": "admins", "precedence": 2**31}, "groups[0].precedence", id="too-large"),
        pytest.param({"name": "admins", "precedence": True}, "groups[0].precedence", id="boolean"),
        pytest.param({"name": "admins", "precedence": "1"}, "groups[0].precedence", id="string"),
        pytest.param({"name": "admins", "role_arn": "Admins"}, "groups[0].role_arn: must be an IAM role ARN",
                     id="not-an-arn"),
        pytest.param({"name": "admins", "role_arn": "arn:aws:s3:::bucket"}, "groups[0].role_arn", id="not-a-role"),
        pytest.param({"name": "has space"}, "groups[0].name", id="bad-name"),
        pytest.param({"name": "admins", "colour": "red"}, "groups[0].colour: unknown field", id="unknown-field"),
        pytest.param({"precedence": 1}, "groups[0].name: required field is missing", id="no-name"),
    ],
)
def test_group_errors_name_the_field(groups, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(_data(groups=[groups]), source="my.toml")


def test_declared_groups_are_the_only_ones_users_may_be_in():
    with pytest.raises(ConfigError, match=re.escape("users[0].groups: 'admin' is not one of the pool's [[groups]]")):
        parse_config(_data(users__groups=["admin"], groups=[{"name": "admins"}]))
    with pytest.raises(ConfigError, match="two groups share a name"):
        parse_config(_data(groups=[{"name": "admins"}, {"name": "admins"}]))
    with pytest.raises(ConfigError, match=re.escape("groups: must be an array of tables ([[groups]])")):
        parse_config(_data(groups={"name": "admins"}))
    # Without [[groups]], group names are free, as before.
    assert parse_config(_data(users__groups=["anything"])).default_user.groups == ("anything",)


def test_the_pre_token_generation_hook_is_imported_at_load():
    pool = parse_config(_data(pre_token_generation="tests.devidp.pre_token_hooks:recording"))
    from tests.devidp import pre_token_hooks

    assert pool.pre_token_hook is pre_token_hooks.recording
    assert parse_config(_data()).pre_token_hook is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("tests.devidp.pre_token_hooks", "is not a callable's name like", id="no-function"),
        pytest.param("not a name:f", "is not a callable's name like", id="spaces"),
        pytest.param(42, "is not a callable's name like", id="not-a-string"),
        pytest.param("tests.devidp.no_such_module:f", "cannot import tests.devidp.no_such_module: ModuleNotFoundError",
                     id="no-module"),
        pytest.param("tests.devidp.pre_token_hooks:missing", "has no callable missing", id="no-attribute"),
        pytest.param("tests.devidp.pre_token_hooks:not_callable", "has no callable not_callable", id="not-callable"),
        pytest.param("tests.devidp.pre_token_hooks:one_argument", "must take (event, context)", id="one-argument"),
    ],
)
def test_a_wrong_hook_stops_the_start_with_a_clear_message(name, message):
    with pytest.raises(ConfigError, match=re.escape("my.toml: pre_token_generation: ")) as caught:
        parse_config(_data(pre_token_generation=name), source="my.toml")
    assert message in str(caught.value)
