"""The pool file's identity providers, and the users that sign-ins through them create.

Cognito API reference: CreateIdentityProvider (ProviderName, ProviderType, ProviderDetails with
client_id, client_secret, authorize_scopes and oidc_issuer, AttributeMapping, IdpIdentifiers)
and CreateUserPoolClient (SupportedIdentityProviders); Cognito developer guide, "Specifying
identity provider attribute mappings for your user pool".
"""

from __future__ import annotations

import re

import pytest

from devidp.config import ConfigError, IdentityProvider, parse_config
from devidp.directory import NameTaken, UserDirectory
from devidp.federation import mapped_attributes


def _data(provider_changes=None, **top):
    provider = {
        "name": "Corp",
        "type": "OIDC",
        "issuer": "http://127.0.0.1:9231/us-east-1_Upstream1",
        "client_id": "corpclient",
        "client_secret": "CorpSecret0000000001",
        "scopes": ["openid", "email"],
        "attribute_mapping": {"email": "email", "custom:dept": "department"},
        "idp_identifiers": ["corp.example"],
    }
    provider.update(provider_changes or {})
    data = {
        "pool_id": "us-east-1_DevPool01",
        "users": [{"username": "demo", "password": "DemoPass1!", "email": "demo@corp.example"}],
        "clients": [
            {
                "client_id": "abc",
                "callback_urls": ["http://localhost:5000/cb"],
                "supported_identity_providers": ["COGNITO", "Corp"],
            }
        ],
        "identity_providers": [provider],
    }
    data.update(top)
    return data


def test_a_pool_file_with_an_identity_provider():
    pool = parse_config(_data())
    corp = pool.identity_provider("Corp")
    assert corp.issuer == "http://127.0.0.1:9231/us-east-1_Upstream1"
    assert corp.scopes == ("openid", "email")
    assert dict(corp.attribute_mapping) == {"email": "email", "custom:dept": "department"}
    assert pool.identity_provider_by_identifier("corp.example") is corp
    assert pool.identity_provider("corp") is None  # case-sensitive, as Cognito's names
    assert pool.default_client.supports("Corp") and pool.default_client.supports("COGNITO")
    assert pool.provider_group(corp) == "us-east-1_DevPool01_Corp"


def test_clients_support_only_cognito_by_default():
    data = _data()
    del data["clients"][0]["supported_identity_providers"]
    assert parse_config(data).default_client.supported_identity_providers == ("COGNITO",)


@pytest.mark.parametrize(
    ("provider_changes", "message"),
    [
        ({"name": "COGNITO"}, "identity_providers[0].name: COGNITO is the pool's own users"),
        ({"name": "_Corp"}, "identity_providers[0].name"),
        ({"name": "Corp_"}, "identity_providers[0].name"),
        ({"name": "My Corp"}, "identity_providers[0].name"),
        ({"type": "SAML"}, "identity_providers[0].type"),
        ({"issuer": "corp.example"}, "identity_providers[0].issuer"),
        ({"scopes": ["email"]}, "identity_providers[0].scopes"),
        ({"attribute_mapping": {"username": "sub"}}, "attribute_mapping.username"),
        ({"attribute_mapping": {"email": ""}}, "attribute_mapping.email"),
        ({"idp_identifiers": ["a/b"]}, "identity_providers[0].idp_identifiers"),
        ({"client_secret": ""}, "identity_providers[0].client_secret"),
        ({"metadata_url": "x"}, "identity_providers[0].metadata_url: unknown field"),
    ],
)
def test_provider_errors_name_the_field(provider_changes, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(_data(provider_changes), source="my.toml")


def test_pool_rules_for_providers_and_clients():
    twice = _data()
    twice["identity_providers"].append(dict(twice["identity_providers"][0]))
    with pytest.raises(ConfigError, match="two providers share a name"):
        parse_config(twice)
    same_identifier = _data()
    same_identifier["identity_providers"].append(
        {**same_identifier["identity_providers"][0], "name": "Corp2"}
    )
    with pytest.raises(ConfigError, match="two providers share an idp_identifier"):
        parse_config(same_identifier)
    unknown = _data()
    unknown["clients"][0]["supported_identity_providers"] = ["COGNITO", "Nope"]
    with pytest.raises(
        ConfigError, match=re.escape("clients[0].supported_identity_providers: 'Nope' is neither")
    ):
        parse_config(unknown)


def test_users_of_providers_are_not_made_in_the_pool_file():
    """EXTERNAL_PROVIDER users come from sign-ins through a provider only."""
    data = _data()
    data["users"].append({"username": "Corp_123", "status": "EXTERNAL_PROVIDER"})
    with pytest.raises(ConfigError, match=re.escape("users[1].status: EXTERNAL_PROVIDER users")):
        parse_config(data)
    data["users"][1]["identities"] = [{"userId": "123"}]
    with pytest.raises(ConfigError, match=re.escape("users[1].identities: unknown field")):
        parse_config(data)


def test_the_attribute_mapping_turns_claims_into_attributes():
    """Attribute values are strings; the *_verified flags booleans, also from Cognito's
    userInfo strings "true"/"false"; claims the provider did not send set nothing."""
    provider = IdentityProvider(
        name="Corp",
        issuer="https://idp.corp.example",
        client_id="corpclient",
        client_secret="CorpSecret0000000001",
        attribute_mapping={
            "email": "email",
            "email_verified": "email_verified",
            "phone_number_verified": "phone_verified",
            "custom:level": "level",
            "custom:admin": "is_admin",
            "name": "missing",
            "locale": "address",
        },
    )
    claims = {
        "email": "a@corp.example",
        "email_verified": "true",
        "phone_verified": False,
        "level": 3,
        "is_admin": True,
        "address": {"country": "NL"},
    }
    assert mapped_attributes(provider, claims) == {
        "email": "a@corp.example",
        "email_verified": True,
        "phone_number_verified": False,
        "custom:level": "3",
        "custom:admin": "true",
    }


def test_a_pool_that_signs_in_with_email_keeps_provider_user_names():
    """In a pool with username_attributes = ["email"] the pool's own users get UUID user
    names; a provider's user is still <ProviderName>_<sub>, and its email (the same as a
    pool user's) is no sign-in name: the pool user still signs in with it."""
    data = _data(username_attributes=["email"])
    del data["users"][0]["username"]
    pool = parse_config(data)
    directory = UserDirectory(pool, sign_out=lambda name: None, revoke_tokens=lambda name: None)
    corp = pool.identity_provider("Corp")
    user = directory.federate(corp, "abc-123", {"email": "demo@corp.example"}, 1_700_000_000_000)
    assert user.username == "Corp_abc-123" and user.identities[0].date_created == 1_700_000_000_000
    assert directory.pool.authenticate("demo@corp.example", "DemoPass1!").username != user.username
    again = directory.federate(corp, "abc-123", {"custom:dept": "R&D"}, 1_800_000_000_000)
    assert again.email == "demo@corp.example" and again.attributes["custom:dept"] == "R&D"
    assert again.identities == user.identities and again.sub == user.sub


def test_an_account_never_gets_a_user_that_is_not_its_own():
    """Cognito developer guide, "Linking federated users to an existing user profile": only a
    user linked to the account is signed in for it. User names ignore case and provider names
    do not, so provider "CORP" would name its account x "CORP_x", the user of "Corp"'s x; and a
    native user may hold such a name. Neither is taken over."""
    data = _data()
    data["identity_providers"].append({**data["identity_providers"][0], "name": "CORP", "idp_identifiers": []})
    data["users"].append({"username": "corp_native", "password": "NativePass1!"})
    pool = parse_config(data)
    directory = UserDirectory(pool, sign_out=lambda name: None, revoke_tokens=lambda name: None)
    corp, shouting = pool.identity_provider("Corp"), pool.identity_provider("CORP")
    corps_user = directory.federate(corp, "x", {"email": "x@corp.example"}, 1_700_000_000_000)

    with pytest.raises(NameTaken):
        directory.federate(shouting, "x", {"email": "intruder@example.com"}, 1_800_000_000_000)
    with pytest.raises(NameTaken):
        directory.federate(corp, "native", {}, 1_800_000_000_000)

    assert directory.pool.user("Corp_x") == corps_user
    assert directory.pool.user("corp_native").password == "NativePass1!"
    assert directory.federate(corp, "x", {}, 1_900_000_000_000).sub == corps_user.sub  # its own user, again
