"""Pools that sign users in with their email address: Cognito generates a UUID user name.

Cognito developer guide: "Working with user attributes" (customizing sign-in
attributes: with email or phone number as username attributes, "Amazon Cognito
automatically generates a username value"), and "Understanding the identity (ID)
token" (cognito:username is that user name).
"""

from __future__ import annotations

import re
import uuid

import pytest

from devidp.config import ConfigError, parse_config

EMAIL_POOL = {
    "pool_id": "us-east-1_EmailPool1",
    "username_attributes": ["email"],
    "users": [
        {"email": "Ana@Example.com", "email_verified": True, "password": "AnaPass1!word"},
        {"email": "bo@example.com", "password": "BoPass1!word"},
    ],
    "clients": [
        {
            "client_id": "emailclient",
            "client_secret": "email-client-secret",
            "callback_urls": ["http://localhost:5000/oauth/v2/callback"],
        }
    ],
}


@pytest.fixture
def email_pool():
    return parse_config(EMAIL_POOL)


def test_user_names_are_generated_uuids(email_pool):
    ana = email_pool.default_user
    assert uuid.UUID(ana.username) and ana.username == ana.sub
    assert email_pool.users[0].username != email_pool.users[1].username


def test_users_sign_in_with_their_email_and_the_tokens_carry_the_uuid(
    email_pool, make_hosted_ui, verify_jwt
):
    driver = make_hosted_ui(email_pool)
    page = driver.login_page(driver.params())
    assert '<label for="signInFormUsername">Email address</label>' in page.get_data(as_text=True)
    tokens = driver.tokens(username="ana@example.com", password="AnaPass1!word")
    id_claims = verify_jwt(tokens["id_token"]).claims
    ana = email_pool.default_user
    assert id_claims["cognito:username"] == ana.sub
    assert id_claims["email"] == "Ana@Example.com"
    assert verify_jwt(tokens["access_token"]).claims["username"] == ana.sub
    assert driver.userinfo(tokens["access_token"]).get_json()["username"] == ana.sub


def test_a_user_name_pool_keeps_its_user_names(hosted_ui, verify_jwt):
    claims = verify_jwt(hosted_ui.tokens()["id_token"]).claims
    assert claims["cognito:username"] == "demo"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": "ana"}, "users[0].username: this pool signs in with email"),
        (
            {"email": None, "sub": "0b8e8f1e-3f5b-4d8e-9a57-3c1f4c1e2a10"},
            "users[0]: needs email to sign in with",
        ),
    ],
)
def test_email_pool_users_are_checked(change, message):
    user = {**EMAIL_POOL["users"][0], **change}
    data = {**EMAIL_POOL, "users": [{k: v for k, v in user.items() if v is not None}]}
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(data)


def test_two_users_cannot_share_a_sign_in_email():
    twin = {**EMAIL_POOL["users"][1], "email": "ana@example.COM"}
    data = {**EMAIL_POOL, "users": [EMAIL_POOL["users"][0], twin]}
    with pytest.raises(ConfigError, match="two users share the email"):
        parse_config(data)


def test_a_user_name_pool_needs_user_names():
    data = {**EMAIL_POOL, "username_attributes": []}
    with pytest.raises(ConfigError, match=r"users\[0\]\.username: required field is missing"):
        parse_config(data)


def test_username_attributes_are_cognitos():
    with pytest.raises(ConfigError, match="username_attributes"):
        parse_config({**EMAIL_POOL, "username_attributes": ["preferred_username"]})
