"""What a session's token set grants: the access token's `scope` claim, else the token endpoint's `scope`."""

from __future__ import annotations

import time

import pytest

from flask_cognito_signin.oidc.token_endpoint import TokenSet
from tests.support.cognito import ALICE, FakeCognito


def tokens(access_token: str, scope: str | None = None) -> TokenSet:
    return TokenSet(access_token, None, None, time.time() + 3600, scope)


def test_a_jwt_access_tokens_scope_claim_counts(idp: FakeCognito):
    answer = idp.issue(ALICE, nonce=None, scope="openid orders/read", with_refresh=False)
    assert tokens(answer["access_token"], scope="openid").granted_scopes == {"openid", "orders/read"}


@pytest.mark.parametrize(
    "access_token, scope, granted",
    [
        pytest.param("opaque-token-from-another-provider", "openid orders/read", {"openid", "orders/read"},
                     id="opaque-with-answer-scope"),
        pytest.param("opaque-token-from-another-provider", None, set(), id="opaque-without-scope"),
        pytest.param("e30.e30.sig", "openid", {"openid"}, id="jwt-without-scope-claim"),
    ],
)
def test_without_a_scope_claim_the_answers_scope_counts_and_nothing_else(access_token, scope, granted):
    assert tokens(access_token, scope).granted_scopes == granted
