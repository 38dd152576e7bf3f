"""The pre token generation hook: Cognito's V2_0 event to a Python callable, its answer in the tokens.

Cognito developer guide, "Pre token generation Lambda trigger" (V2_0: claims and scopes added
to or suppressed from the ID and access tokens, groups overridden).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from devidp.config import Group
from tests.devidp import pre_token_hooks

RECORDING = "tests.devidp.pre_token_hooks:recording"
ADMINS = "arn:aws:iam::123456789012:role/Admins"
OTHER_ROLE = "arn:aws:iam::123456789012:role/Other"


@pytest.fixture
def hook(monkeypatch):
    """Set what the recording hook answers: ``hook(details)`` puts ``details`` in the event's
    response.claimsAndScopeOverrideDetails (or ``hook(answer=function)`` answers anything)."""
    monkeypatch.setattr(pre_token_hooks, "events", [])

    def answer_with(details=None, *, answer=None):
        def respond(event):
            event["response"]["claimsAndScopeOverrideDetails"] = details
            return event

        monkeypatch.setattr(pre_token_hooks, "answer", answer or respond)
        return pre_token_hooks.events

    return answer_with


@pytest.fixture
def hooked_pool(pool):
    """The demo pool with the recording hook, its client also allowed the demo API's read scope."""
    client = replace(pool.default_client, allowed_scopes=(*pool.default_client.allowed_scopes, "demo-api/read"))
    return replace(pool, clients=(client, *pool.clients[1:]), pre_token_generation=RECORDING)


def _claims(driver, verify_jwt, tokens):
    return verify_jwt(tokens["id_token"]).claims, verify_jwt(tokens["access_token"]).claims


def test_the_hook_gets_cognitos_v2_event(make_hosted_ui, hooked_pool, hook):
    events = hook(None)
    driver = make_hosted_ui(hooked_pool)
    driver.tokens(scope="openid email")
    (event,) = events
    demo = hooked_pool.default_user
    assert event["version"] == "2"
    assert event["triggerSource"] == "TokenGeneration_HostedAuth"
    assert event["region"] == "us-east-1" and event["userPoolId"] == "us-east-1_DevPool01"
    assert event["userName"] == "demo"
    assert event["callerContext"]["clientId"] == hooked_pool.default_client.client_id
    attributes = event["request"]["userAttributes"]
    assert attributes["sub"] == demo.sub
    assert attributes["email"] == "demo@example.com" and attributes["email_verified"] == "true"
    assert attributes["phone_number_verified"] == "false"  # every value a string
    assert attributes["cognito:user_status"] == "CONFIRMED"
    assert event["request"]["groupConfiguration"] == {
        "groupsToOverride": ["admins", "readers"],
        "iamRolesToOverride": [],
        "preferredRole": None,
    }
    assert event["request"]["scopes"] == ["openid", "email"]
    assert event["response"] == {"claimsAndScopeOverrideDetails": None}


def test_no_answer_changes_nothing(make_hosted_ui, hooked_pool, hook, verify_jwt):
    hook(None)
    driver = make_hosted_ui(hooked_pool)
    id_claims, access_claims = _claims(driver, verify_jwt, driver.tokens())
    assert id_claims["cognito:groups"] == ["admins", "readers"] and id_claims["email"] == "demo@example.com"
    assert access_claims["scope"] == "openid email profile"


def test_claims_are_added_overridden_and_suppressed_per_token(make_hosted_ui, hooked_pool, hook, verify_jwt):
    hook({
        "idTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": {"id": 7, "tags": ["a", "b"]}, "name": "Renamed", "both": 1},
            "claimsToSuppress": ["email", "both"],
        },
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"plan": "gold", "flags": [True, 2]},
            "claimsToSuppress": ["event_id_not_there"],
        },
    })
    driver = make_hosted_ui(hooked_pool)
    id_claims, access_claims = _claims(driver, verify_jwt, driver.tokens())
    assert id_claims["tenant"] == {"id": 7, "tags": ["a", "b"]}
    assert id_claims["name"] == "Renamed"
    assert "email" not in id_claims and "both" not in id_claims  # suppressed wins over added
    assert "plan" not in id_claims
    assert access_claims["plan"] == "gold" and access_claims["flags"] == [True, 2]
    assert "tenant" not in access_claims


def test_scopes_are_added_to_and_suppressed_from_the_access_token(make_hosted_ui, hooked_pool, hook, verify_jwt):
    hook({"accessTokenGeneration": {"scopesToAdd": ["demo-api/read"], "scopesToSuppress": ["profile"]}})
    driver = make_hosted_ui(hooked_pool)
    tokens = driver.tokens()
    _, access_claims = _claims(driver, verify_jwt, tokens)
    assert access_claims["scope"] == "openid email demo-api/read"
    # The ID token follows the scopes asked for, and so does the refresh token.
    refreshed = driver.refresh(tokens["refresh_token"]).get_json()
    assert "id_token" in refreshed


def test_groups_roles_and_preferred_role_are_overridden(make_hosted_ui, hooked_pool, hook, verify_jwt):
    hook({
        "groupOverrideDetails": {
            "groupsToOverride": ["tenant-7"],
            "iamRolesToOverride": [OTHER_ROLE],
            "preferredRole": OTHER_ROLE,
        }
    })
    driver = make_hosted_ui(hooked_pool)
    id_claims, access_claims = _claims(driver, verify_jwt, driver.tokens())
    assert id_claims["cognito:groups"] == ["tenant-7"] and access_claims["cognito:groups"] == ["tenant-7"]
    assert id_claims["cognito:roles"] == [OTHER_ROLE]
    assert id_claims["cognito:preferred_role"] == OTHER_ROLE


def test_an_empty_group_override_removes_the_group_claims(make_hosted_ui, hooked_pool, hook, verify_jwt):
    config = replace(hooked_pool, groups=(Group(name="admins", precedence=0, role_arn=ADMINS), Group(name="readers")))
    hook({"groupOverrideDetails": {"groupsToOverride": [], "preferredRole": None}})
    driver = make_hosted_ui(config)
    id_claims, access_claims = _claims(driver, verify_jwt, driver.tokens())
    assert "cognito:groups" not in id_claims and "cognito:groups" not in access_claims
    assert "cognito:preferred_role" not in id_claims
    assert id_claims["cognito:roles"] == [ADMINS]  # not overridden: as the groups give it


@pytest.mark.parametrize(
    ("part", "claim"),
    [("idTokenGeneration", "sub"), ("idTokenGeneration", "cognito:username"), ("idTokenGeneration", "aud"),
     ("accessTokenGeneration", "client_id"), ("accessTokenGeneration", "scope"),
     ("accessTokenGeneration", "username"), ("idTokenGeneration", "cognito:groups")],
)
def test_claims_the_guide_keeps_fixed_stay_as_they_are(make_hosted_ui, hooked_pool, hook, verify_jwt, part, claim):
    hook({part: {"claimsToAddOrOverride": {claim: "forged"}, "claimsToSuppress": [claim]}})
    driver = make_hosted_ui(hooked_pool)
    id_claims, access_claims = _claims(driver, verify_jwt, driver.tokens())
    token = id_claims if part == "idTokenGeneration" else access_claims
    assert token[claim] != "forged"


def test_a_refresh_calls_the_hook_again(make_hosted_ui, hooked_pool, hook, verify_jwt):
    events = hook({"idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "blue"}}})
    driver = make_hosted_ui(hooked_pool)
    refreshed = driver.refresh(driver.tokens()["refresh_token"]).get_json()
    assert [e["triggerSource"] for e in events] == ["TokenGeneration_HostedAuth", "TokenGeneration_RefreshTokens"]
    assert verify_jwt(refreshed["id_token"]).claims["tenant"] == "blue"


def test_machine_to_machine_tokens_get_no_call(make_app, hooked_pool, hook):
    events = hook(None)
    http = make_app(hooked_pool).test_client()
    machine = hooked_pool.clients[1]
    response = http.post("/oauth2/token", data={"grant_type": "client_credentials"},
                         auth=(machine.client_id, machine.client_secret))
    assert response.status_code == 200
    assert events == []


def raising(event):
    raise RuntimeError("the tenant table is down")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(raising, id="raises"),
        pytest.param(lambda event: "not the event", id="not-the-event"),
        pytest.param(lambda event: {"response": {"claimsOverrideDetails": {}}}, id="v1-answer"),
        pytest.param(lambda event: {"response": {"claimsAndScopeOverrideDetails": {"idTokenGenration": {}}}},
                     id="unknown-field"),
        pytest.param(lambda event: {"response": {"claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": {"scopesToAdd": "demo-api/read"}}}}, id="scopes-not-a-list"),
        pytest.param(lambda event: {"response": {"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"n": float("nan")}}}}}, id="not-json"),
        pytest.param(lambda event: {"response": {"claimsAndScopeOverrideDetails": {
            "groupOverrideDetails": {"preferredRole": 3}}}}, id="preferred-role-not-a-string"),
    ],
)
def test_a_failing_hook_gives_no_tokens_and_a_clear_log_line(make_hosted_ui, hooked_pool, hook, caplog, answer):
    hook(answer=answer)
    driver = make_hosted_ui(hooked_pool)
    response = driver.exchange(driver.sign_in())
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request"}
    assert "pre token generation:" in caplog.text
    assert ("UnexpectedLambdaException" if answer is raising else "InvalidLambdaResponseException") in caplog.text


def test_the_guides_example_shape(make_hosted_ui, hooked_pool, verify_jwt):
    driver = make_hosted_ui(replace(hooked_pool, pre_token_generation="tests.devidp.pre_token_hooks:add_tenant"))
    id_claims, access_claims = _claims(driver, verify_jwt, driver.tokens(scope="openid"))
    assert id_claims["tenant"] == access_claims["tenant"] == "blue"
    assert access_claims["scope"] == "openid demo-api/read"
