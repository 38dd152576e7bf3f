"""A pool written back as a pool file (devidp/pool_file.py) reads back as the same pool, and the emulator can save each
change of its users there, so that a restart keeps them (`flask cognito emulator` does)."""

from __future__ import annotations

import stat
import tomllib
from dataclasses import replace

from devidp import create_apps
from devidp.config import FederatedIdentity, User, load_config, parse_config
from devidp.pool_file import dump, save

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def read_back(text: str):
    return parse_config(tomllib.loads(text), source="written")


def test_the_demo_pool_reads_back_as_it_was(pool):
    assert read_back(dump(pool)) == pool


def test_every_kind_of_field_reads_back_as_it_was():
    """Strings TOML must escape, quoted keys, booleans, numbers, lists, tables, and every array of tables."""
    pool = parse_config({
        "pool_id": "eu-west-1_Written1",
        "username_attributes": ["email"],
        "domain_url": "http://localhost:9230",
        "users": [
            {"email": "ana@example.com", "password": 'Quote"Back\\slash1', "email_verified": True,
             "attributes": {"name": "Ana \"the\" Tester\nsecond line\ttab \x7f élan 😀",
                            "custom:department": "QA", "phone_number_verified": False},
             "enabled": False, "totp_secret": TOTP_SECRET},
            {"email": "bo@example.com", "password": "BoPassword1!", "status": "FORCE_CHANGE_PASSWORD",
             "groups": ["readers", "writers"]},
        ],
        "clients": [{"client_id": "writtenclient", "client_secret": "s" * 40, "name": "app",
                     "callback_urls": ["http://localhost:5000/auth/oauth/v2/callback"],
                     "refresh_token_rotation": True, "refresh_token_retry_grace_period_seconds": 30,
                     "access_token_validity_seconds": 300, "read_attributes": ["email", "custom:department"],
                     "supported_identity_providers": ["COGNITO", "Corp"]}],
        "resource_servers": [{"identifier": "orders", "scopes": ["read"]}],
        "identity_providers": [{"name": "Corp", "issuer": "http://127.0.0.1:9231/us-east-1_Corp1",
                                "client_id": "corp", "client_secret": "corp-secret", "scopes": ["openid", "email"],
                                "attribute_mapping": {"email": "email", "custom:department": "dept"},
                                "idp_identifiers": ["corp.example"]}],
    })
    written = dump(pool)
    assert '"custom:department" = "QA"' in written
    assert "\nusername = " not in written  # an email pool generates the user names (the subs)
    assert read_back(written) == pool


def test_users_of_identity_providers_are_left_out_their_next_sign_in_makes_them_again(pool):
    provider = parse_config({**tomllib.loads(dump(pool)), "identity_providers": [
        {"name": "Corp", "issuer": "http://127.0.0.1:9231/us-east-1_Corp1", "client_id": "c", "client_secret": "s"}]})
    federated = User(username="Corp_abc", status="EXTERNAL_PROVIDER", identities=(FederatedIdentity("Corp", "abc", 1),))
    with_federated = replace(provider, users=(*provider.users, federated))
    assert read_back(dump(with_federated)) == provider


def test_the_file_is_replaced_whole_and_readable_by_its_owner_only(pool, tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text("old")
    path.chmod(0o644)
    save(pool, path, comment="Written by a test.\nTwo lines.")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("# Written by a test.\n# Two lines.\n")
    assert load_config(path) == pool
    assert [p.name for p in tmp_path.iterdir()] == ["pool.toml"]  # no temporary file left


def test_each_change_of_the_users_reaches_the_listener_and_a_saved_pool_restarts_with_it(pool, tmp_path, instance_dir):
    path = tmp_path / "pool.toml"
    seen = []

    def saved(changed):
        seen.append([user.username for user in changed.users])
        save(changed, path)

    apps = create_apps(pool, instance_path=instance_dir, on_users_changed=saved)
    admin = apps.issuer.test_client()
    added = admin.post("/_admin/users", json={"username": "alice", "password": "AlicePass1!", "groups": ["readers"]})
    assert added.status_code == 201
    assert admin.put("/_admin/users/guest/groups", json={"groups": ["admins"]}).status_code == 200
    assert admin.post("/_admin/users", json={"username": "weak", "password": "weak"}).status_code == 400
    assert seen == [["demo", "guest", "alice"], ["demo", "guest", "alice"]]  # a refused change is no change

    restarted = load_config(path)
    assert restarted.user("alice").check_password("AlicePass1!")
    assert restarted.user("guest").groups == ("admins",)
