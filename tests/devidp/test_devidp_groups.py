"""Groups with precedence and IAM roles: cognito:groups, cognito:roles, cognito:preferred_role.

Cognito developer guide, "Adding groups to a user pool" (assigning precedence values to groups).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from devidp.config import Group

READERS = "arn:aws:iam::123456789012:role/Readers"
ADMINS = "arn:aws:iam::123456789012:role/Admins"
OTHERS = "arn:aws:iam::123456789012:role/Others"


@pytest.fixture
def pool_with_groups(pool):
    """The demo pool with ``groups`` declared and the demo user in ``member_of`` (in that order)."""

    def build(groups: tuple[Group, ...], member_of: tuple[str, ...]):
        demo = replace(pool.default_user, groups=member_of)
        return replace(pool, users=(demo, *pool.users[1:]), groups=groups)

    return build


def _tokens(make_hosted_ui, config, verify_jwt):
    driver = make_hosted_ui(config)
    tokens = driver.tokens()
    return verify_jwt(tokens["id_token"]).claims, verify_jwt(tokens["access_token"]).claims


def test_groups_come_by_precedence_with_their_roles(make_hosted_ui, pool_with_groups, verify_jwt):
    config = pool_with_groups(
        (
            Group(name="readers", precedence=5, role_arn=READERS),
            Group(name="admins", precedence=1, role_arn=ADMINS),
            Group(name="newsletter"),
        ),
        member_of=("newsletter", "readers", "admins"),
    )
    id_claims, access_claims = _tokens(make_hosted_ui, config, verify_jwt)
    # 0 is the top precedence; a group without one comes after those with one.
    assert id_claims["cognito:groups"] == ["admins", "readers", "newsletter"]
    assert access_claims["cognito:groups"] == ["admins", "readers", "newsletter"]
    assert id_claims["cognito:roles"] == [ADMINS, READERS]
    assert id_claims["cognito:preferred_role"] == ADMINS
    # The roles are the ID token's only ("In the user's ID token ... The cognito:roles claim").
    assert "cognito:roles" not in access_claims and "cognito:preferred_role" not in access_claims


@pytest.mark.parametrize(
    ("groups", "preferred"),
    [
        pytest.param(
            (Group(name="admins", precedence=3, role_arn=ADMINS), Group(name="readers", precedence=3, role_arn=READERS)),
            None,
            id="tie-with-different-roles-no-claim",
        ),
        pytest.param(
            (Group(name="admins", precedence=3, role_arn=ADMINS), Group(name="readers", precedence=3, role_arn=ADMINS)),
            ADMINS,
            id="tie-with-the-same-role",
        ),
        pytest.param(
            (Group(name="admins", role_arn=ADMINS), Group(name="readers", role_arn=READERS)),
            None,
            id="no-precedence-different-roles",
        ),
        pytest.param(
            (Group(name="admins", precedence=0), Group(name="readers", precedence=9, role_arn=READERS)),
            READERS,
            id="the-best-group-with-a-role",
        ),
        pytest.param(
            (Group(name="admins", precedence=2, role_arn=ADMINS), Group(name="readers", role_arn=READERS)),
            ADMINS,
            id="a-precedence-beats-none",
        ),
    ],
)
def test_preferred_role(make_hosted_ui, pool_with_groups, verify_jwt, groups, preferred):
    """"If two groups with the same precedence value have the same role ARN, that role is used
    ... If the two groups have different role ARNs, the cognito:preferred_role claim is not set.\""""
    config = pool_with_groups(groups, member_of=("admins", "readers"))
    id_claims, _ = _tokens(make_hosted_ui, config, verify_jwt)
    assert id_claims.get("cognito:preferred_role") == preferred


def test_ties_keep_the_users_order_and_a_pool_without_groups_is_unchanged(
    make_hosted_ui, pool, pool_with_groups, verify_jwt
):
    tied = pool_with_groups((Group(name="admins"), Group(name="readers")), member_of=("readers", "admins"))
    id_claims, _ = _tokens(make_hosted_ui, tied, verify_jwt)
    assert id_claims["cognito:groups"] == ["readers", "admins"]
    assert "cognito:roles" not in id_claims and "cognito:preferred_role" not in id_claims
    plain, _ = _tokens(make_hosted_ui, pool, verify_jwt)  # the demo pool declares no [[groups]]
    assert plain["cognito:groups"] == ["admins", "readers"]


def test_a_refresh_carries_the_group_claims_too(make_hosted_ui, pool_with_groups, verify_jwt):
    config = pool_with_groups(
        (Group(name="readers", precedence=5, role_arn=READERS), Group(name="admins", precedence=1, role_arn=ADMINS)),
        member_of=("readers", "admins"),
    )
    driver = make_hosted_ui(config)
    refreshed = driver.refresh(driver.tokens()["refresh_token"]).get_json()
    claims = verify_jwt(refreshed["id_token"]).claims
    assert claims["cognito:groups"] == ["admins", "readers"]
    assert claims["cognito:preferred_role"] == ADMINS
