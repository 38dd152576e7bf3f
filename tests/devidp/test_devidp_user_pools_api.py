"""GetTokensFromRefreshToken on the issuer origin, in the cognito-idp JSON protocol.

API reference: GetTokensFromRefreshToken, RefreshTokenRotationType; Cognito developer guide:
"Refresh tokens" (refresh token rotation).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from devidp import start_server
from tests.devidp import pre_token_hooks
from tests.devidp.conftest import HostedUIDriver
from tests.support.tools import require_module

TARGET = "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken"
JSON_11 = "application/x-amz-json-1.1"


@pytest.fixture
def call(issuer_http):
    """POST an operation to the issuer origin as an AWS SDK does; the answer's status and JSON."""

    def post(body: dict, target: str = TARGET, http=None):
        response = (http or issuer_http).post(
            "/", data=json.dumps(body), headers={"X-Amz-Target": target, "Content-Type": JSON_11}
        )
        assert response.content_type == JSON_11
        return response.status_code, json.loads(response.get_data())

    return post


def _body(driver: HostedUIDriver, refresh_token: str, **changes: str | None) -> dict:
    body = {
        "RefreshToken": refresh_token,
        "ClientId": driver.client.client_id,
        "ClientSecret": driver.client.client_secret,
        **changes,
    }
    return {k: v for k, v in body.items() if v is not None}


def test_new_id_and_access_tokens_for_a_refresh_token(hosted_ui, call, verify_jwt):
    first = hosted_ui.tokens()
    status, answer = call(_body(hosted_ui, first["refresh_token"]))
    assert status == 200
    result = answer["AuthenticationResult"]
    assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "IdToken"}  # no rotation: no new one
    assert (result["ExpiresIn"], result["TokenType"]) == (3600, "Bearer")
    id_claims = verify_jwt(result["IdToken"]).claims
    assert id_claims["origin_jti"] == verify_jwt(first["id_token"]).claims["origin_jti"]
    assert id_claims["token_use"] == "id" and "nonce" not in id_claims and "at_hash" not in id_claims
    access = verify_jwt(result["AccessToken"]).claims
    assert access["scope"] == "openid email profile" and access["username"] == "demo"
    assert hosted_ui.userinfo(result["AccessToken"]).status_code == 200
    assert call(_body(hosted_ui, first["refresh_token"]))[0] == 200  # still valid


def _rotating(make_emulator, pool_with_client, clock, grace: int):
    apps = make_emulator(
        pool_with_client(refresh_token_rotation=True, refresh_token_retry_grace_period_seconds=grace), clock=clock
    )
    return HostedUIDriver(apps.domain.test_client(), apps.emulator.pool.default_client), apps.issuer.test_client()


def test_with_rotation_a_new_refresh_token_and_the_old_one_for_the_grace_period(
    make_emulator, pool_with_client, clock, call
):
    driver, issuer = _rotating(make_emulator, pool_with_client, clock, grace=10)
    first = driver.tokens()["refresh_token"]
    status, answer = call(_body(driver, first), http=issuer)
    assert status == 200
    second = answer["AuthenticationResult"]["RefreshToken"]
    assert second != first and len(second.split(".")) == 5
    clock.advance(9)
    assert call(_body(driver, first), http=issuer)[0] == 200  # a client-side retry
    clock.advance(1)
    assert call(_body(driver, first), http=issuer) == (
        400, {"__type": "RefreshTokenReuseException",
              "message": "The refresh token was rotated out and its grace period is over."},
    )
    # The token endpoint refuses it too; the new one works at both.
    assert driver.refresh(first).get_json() == {"error": "invalid_grant"}
    assert driver.refresh(second).status_code == 200


def test_without_grace_the_old_token_is_refused_at_once(make_emulator, pool_with_client, clock, call):
    driver, issuer = _rotating(make_emulator, pool_with_client, clock, grace=0)
    first = driver.tokens()["refresh_token"]
    assert call(_body(driver, first), http=issuer)[0] == 200
    assert call(_body(driver, first), http=issuer)[1]["__type"] == "RefreshTokenReuseException"


def test_a_token_rotated_at_the_token_endpoint_is_reuse_at_the_api(make_emulator, pool_with_client, clock, call):
    driver, issuer = _rotating(make_emulator, pool_with_client, clock, grace=0)
    first = driver.tokens()["refresh_token"]
    assert driver.refresh(first).status_code == 200
    assert call(_body(driver, first), http=issuer)[1]["__type"] == "RefreshTokenReuseException"


@pytest.mark.parametrize(
    ("changes", "exception"),
    [
        pytest.param({"RefreshToken": "not-a-token"}, "NotAuthorizedException", id="unknown-token"),
        pytest.param({"ClientSecret": "wrong"}, "NotAuthorizedException", id="wrong-secret"),
        pytest.param({"ClientSecret": None}, "NotAuthorizedException", id="no-secret"),
        pytest.param({"ClientId": "unknownclient"}, "ResourceNotFoundException", id="unknown-client"),
        pytest.param({"RefreshToken": None}, "InvalidParameterException", id="no-token"),
        pytest.param({"ClientId": 7}, "InvalidParameterException", id="client-id-not-a-string"),
    ],
)
def test_bad_requests_get_the_apis_exceptions(hosted_ui, call, changes, exception):
    refresh_token = hosted_ui.tokens()["refresh_token"]
    status, answer = call(_body(hosted_ui, refresh_token, **changes))
    assert status == 400
    assert answer["__type"] == exception and answer["message"]
    assert refresh_token not in str(answer)


def test_the_token_of_another_client_and_a_revoked_one_are_refused(make_emulator, pool, call):
    other = replace(pool.default_client, client_id="otherclient", client_secret="other-secret")
    apps = make_emulator(replace(pool, clients=(*pool.clients, other)))
    driver = HostedUIDriver(apps.domain.test_client(), pool.default_client)
    refresh_token = driver.tokens()["refresh_token"]
    issuer = apps.issuer.test_client()
    mine = _body(driver, refresh_token, ClientId="otherclient", ClientSecret="other-secret")
    assert call(mine, http=issuer) == (400, {"__type": "NotAuthorizedException", "message": "Invalid Refresh Token"})
    assert driver.revoke(refresh_token).status_code == 200
    assert call(_body(driver, refresh_token), http=issuer)[1]["__type"] == "NotAuthorizedException"


@pytest.mark.parametrize(
    ("target", "body", "exception"),
    [
        pytest.param("AWSCognitoIdentityProviderService.InitiateAuth", "{}", "UnknownOperationException",
                     id="other-operation"),
        pytest.param("", "{}", "UnknownOperationException", id="no-target"),
        pytest.param(TARGET, "not json", "SerializationException", id="not-json"),
        pytest.param(TARGET, "[1]", "SerializationException", id="not-an-object"),
    ],
)
def test_what_the_emulator_does_not_serve_is_said(issuer_http, target, body, exception):
    response = issuer_http.post("/", data=body, headers={"X-Amz-Target": target, "Content-Type": JSON_11})
    assert response.status_code == 400
    assert json.loads(response.get_data())["__type"] == exception
    assert response.headers["x-amzn-ErrorType"] == f"{exception}:"


def test_the_pre_token_generation_hook_runs_for_the_api_too(make_emulator, pool, call, verify_jwt, monkeypatch):
    monkeypatch.setattr(pre_token_hooks, "events", [])
    apps = make_emulator(replace(pool, pre_token_generation="tests.devidp.pre_token_hooks:recording"))
    driver = HostedUIDriver(apps.domain.test_client(), pool.default_client)
    refresh_token = driver.tokens()["refresh_token"]
    monkeypatch.setattr(pre_token_hooks, "answer", lambda event: {**event, "response": {
        "claimsAndScopeOverrideDetails": {"idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "blue"}}}}})
    status, answer = call(_body(driver, refresh_token), http=apps.issuer.test_client())
    assert status == 200
    assert verify_jwt(answer["AuthenticationResult"]["IdToken"]).claims["tenant"] == "blue"
    assert pre_token_hooks.events[-1]["triggerSource"] == "TokenGeneration_RefreshTokens"
    monkeypatch.setattr(pre_token_hooks, "answer", lambda event: "nonsense")
    assert call(_body(driver, refresh_token), http=apps.issuer.test_client())[1]["__type"] == (
        "InvalidLambdaResponseException")


def test_boto3_calls_it_with_the_issuer_as_endpoint(pool, tmp_path, monkeypatch):
    """Through botocore and real HTTP, with no AWS credentials anywhere (the operation is unsigned)."""
    require_module("boto3", "pip install -r requirements-dev.txt")
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    rotating = replace(pool.default_client, refresh_token_rotation=True)
    with start_server(replace(pool, clients=(rotating, *pool.clients[1:])), instance_path=tmp_path) as idp:
        driver = HostedUIDriver(idp.apps.domain.test_client(), rotating)
        refresh_token = driver.tokens()["refresh_token"]
        cognito = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=idp.issuer_base_url)
        result = cognito.get_tokens_from_refresh_token(
            RefreshToken=refresh_token, ClientId=rotating.client_id, ClientSecret=rotating.client_secret
        )["AuthenticationResult"]
        assert set(result) == {"AccessToken", "ExpiresIn", "TokenType", "IdToken", "RefreshToken"}
        with pytest.raises(cognito.exceptions.RefreshTokenReuseException):
            cognito.get_tokens_from_refresh_token(
                RefreshToken=refresh_token, ClientId=rotating.client_id, ClientSecret=rotating.client_secret
            )
