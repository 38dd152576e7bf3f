"""An access token is checked against its provider's issuer even when called directly.

The Bearer path picks the provider by the token's `iss`, so a token naming another issuer never
reaches validate_access_token through /api/; the check inside it must still hold on its own.
"""

from __future__ import annotations

import time

import pytest

from flask_cognito_signin.oidc import InvalidToken, Provider
from flask_cognito_signin.oidc.tokens import validate_access_token
from flask_cognito_signin.settings import Settings
from tests.support.cognito import ALICE, CLIENT_ID, sign


@pytest.fixture
def provider(environ, tmp_path) -> Provider:
    return Provider(Settings.from_mapping(environ, tmp_path).provider, timeout=2)


def validate(provider: Provider, token: str):
    return validate_access_token(provider, token, allowed_client_ids=frozenset({CLIENT_ID}),
                                 required_scopes=frozenset(), audiences=frozenset())


def test_an_access_token_of_another_issuer_signed_with_the_right_key_is_refused(idp, provider):
    claims = idp.access_token_claims(ALICE, "openid", int(time.time()), "origin")
    assert validate(provider, sign(claims, idp.key)).claims["sub"] == ALICE.sub
    other_issuer = {**claims, "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}
    with pytest.raises(InvalidToken, match="iss"):
        validate(provider, sign(other_issuer, idp.key))
