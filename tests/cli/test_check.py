"""`flask oidc check`: discovery on `responses` (the idp fixture), the app client in a moto server.

A correct set-up passes; then each misconfiguration on its own must be named in the report
and make the exit code 1.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import responses
from dotenv import dotenv_values
from joserfc.jwk import ECKey, RSAKey

from flask_cognito_signin.cli.findings import Finding
from flask_cognito_signin.cli.provision import Blueprint, Provisioner, client_settings
from flask_cognito_signin.cli.registration import check_app_client
from flask_cognito_signin.settings import Settings
from tests.support.cognito import (
    APP_BASE_URL,
    CLIENT_ID,
    DISCOVERY_URL,
    JWKS_URI,
    REDIRECT_URI,
    FakeCognito,
    Pool,
)

TOKEN_ENDPOINT = "https://test-app.auth.eu-west-1.amazoncognito.com/oauth2/token"

PREFIX = "rp-test-app"
HOSTED_UI = f"{PREFIX}.auth.eu-west-1.amazoncognito.com"


def failures(output: str) -> list[str]:
    return [line.removeprefix("FAIL  ") for line in output.splitlines() if line.startswith("FAIL")]


def aws_failures(output: str) -> list[str]:
    """The failures of the AWS part, which follows the URLs to register."""
    return failures(output.split("info  sign-out URL to register:", 1)[1])


@pytest.fixture
def check(cli):
    def run(environ: dict[str, str]):
        return cli(environ, "oidc", "check")

    return run


# The discovery part, without AWS ---------------------------------------------------------------


def test_a_correct_discovery_passes_and_says_the_app_client_was_not_compared(check, environ, idp):
    result = check(environ)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Provider cognito (Cognito)",
        f"ok    discovery document loaded from {DISCOVERY_URL}",
        f"ok    issuer is {DISCOVERY_URL.removesuffix('/.well-known/openid-configuration')}",
        "info  authorization endpoint: https://test-app.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
        "info  token endpoint: https://test-app.auth.eu-west-1.amazoncognito.com/oauth2/token",
        "info  userInfo endpoint: https://test-app.auth.eu-west-1.amazoncognito.com/oauth2/userInfo",
        f"info  JWKS URI: {JWKS_URI}",
        "info  revocation endpoint: not published",
        "info  end-session endpoint: not published",
        "ok    client authentication client_secret_post is supported",
        "ok    ID tokens may be signed with RS256",
        "ok    JWKS holds 1 RS256 signing key(s): test-key-1",
        "info  sign-out revokes refresh tokens at: https://test-app.auth.eu-west-1.amazoncognito.com/oauth2/revoke",
        "info  sign-out then sends the browser to: https://test-app.auth.eu-west-1.amazoncognito.com/logout"
        f"?client_id={CLIENT_ID}&logout_uri=https%3A%2F%2Frp.example.com%2F",
        f"ok    client authentication works: the token endpoint accepted app client {CLIENT_ID} "
        "(client_secret_post) and refused only the made-up code it was sent",
        f"ok    callback URL {REDIRECT_URI} is registered for app client {CLIENT_ID}: the authorize endpoint "
        "accepts the sign-in request",
        f"info  callback URL to register: {REDIRECT_URI}",
        f"info  sign-out URL to register: {APP_BASE_URL}/",
        "SKIP  app client settings not compared: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY (or run `aws configure` / `aws sso login`)",
        "All checks passed (1 part(s) skipped).",
    ]


def replace_discovery(idp, **changes) -> None:
    for name, value in changes.items():
        if value is None:
            del idp.document[name]
        else:
            idp.document[name] = value


@pytest.mark.parametrize(("changes", "expected"), [
    ({"issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1"},
     ["issuer in the discovery document is 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1', the app "
      "expects https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1 (the discovery URL without "
      "/.well-known/openid-configuration)"]),
    ({"token_endpoint_auth_methods_supported": ["client_secret_basic"]},
     ["client authentication client_secret_post (OIDC_CLIENT_AUTH_METHOD) is not supported: the provider lists "
      "['client_secret_basic']"]),
    ({"token_endpoint_auth_methods_supported": None},
     ["client authentication client_secret_post (OIDC_CLIENT_AUTH_METHOD) is not supported: the provider lists "
      "none, which means client_secret_basic only"]),
    ({"id_token_signing_alg_values_supported": ["ES256"]},
     ["ID tokens are not signed with RS256, the only algorithm the app accepts: the provider lists ['ES256']"]),
    ({"token_endpoint": None}, ["token endpoint missing from the discovery document"]),
    ({"authorization_endpoint": "http://login.example.com/oauth2/authorize"},
     ["discovery document refused: discovery document: authorization_endpoint is missing or not an https URL: "
      "'http://login.example.com/oauth2/authorize': the identity provider must publish https endpoints (plain http "
      "only on this machine's loopback)"]),
])
def test_each_discovery_problem_is_named(check, environ, idp, changes, expected):
    replace_discovery(idp, **changes)

    result = check(environ)

    assert result.exit_code == 1
    assert failures(result.output) == expected
    assert "1 check(s) failed." in result.output


def test_with_an_unusable_discovery_document_the_jwks_is_not_checked(check, environ, idp):
    idp.document["issuer"] = "https://elsewhere.example.com"

    result = check(environ)

    assert "note  JWKS not checked: the discovery document is not usable" in result.output


@pytest.mark.parametrize(("keys", "expected"), [
    ([ECKey.generate_key("P-256", parameters={"kid": "ec-1"}).as_dict(private=False)],
     "JWKS holds no RS256 signing key (keys: EC ec-1): the app cannot verify ID tokens"),
    ([RSAKey.generate_key(2048, parameters={"kid": "rsa-512", "alg": "RS512"}).as_dict(private=False)],
     "JWKS holds no RS256 signing key (keys: RSA RS512 rsa-512): the app cannot verify ID tokens"),
    ([RSAKey.generate_key(2048, parameters={"kid": "rsa-enc", "use": "enc"}).as_dict(private=False)],
     "JWKS not loaded: JWKS: keys cannot be read (missing_key: No keys to import)"),
])
def test_a_jwks_without_rs256_signing_keys_is_named(check, environ, idp, keys, expected):
    idp.mock.replace(responses.GET, JWKS_URI, json={"keys": keys})

    result = check(environ)

    assert result.exit_code == 1
    assert failures(result.output) == [expected]


def test_an_unreachable_discovery_is_named(check, environ, idp):
    missing = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Missing1/.well-known/openid-configuration"

    result = check({**environ, "OIDC_DISCOVERY_URL": missing})

    assert result.exit_code == 1
    assert failures(result.output) == [
        "discovery document not loaded: discovery: the connection to https://cognito-idp.eu-west-1.amazonaws.com "
        "failed (ConnectionError) (usually temporary: try again): the identity provider is unreachable: check this "
        "host's network and OIDC_DISCOVERY_URL"]


def test_a_discovery_error_status_is_named(check, environ, idp):
    idp.mock.replace(responses.GET, DISCOVERY_URL, status=500)

    result = check(environ)

    assert result.exit_code == 1
    assert failures(result.output) == [
        f"discovery document not loaded: discovery at {DISCOVERY_URL} answered HTTP 500 (usually temporary: try "
        "again): the identity provider is failing; if it lasts, check its status page"]


def test_missing_or_wrong_settings_are_findings(check, environ):
    del environ["OIDC_CLIENT_ID"]

    result = check({**environ, "OIDC_CLIENT_AUTH_METHOD": "private_key_jwt"})

    assert result.exit_code == 1
    assert failures(result.output) == [
        "setting: OIDC_CLIENT_ID is not set: set it to the app client ID from the Cognito console (in .env or the "
        "environment; see .env.example).",
        "setting: OIDC_CLIENT_AUTH_METHOD='private_key_jwt' is not supported: use one of client_secret_post, "
        "client_secret_basic.",
    ]
    assert result.output.endswith("2 check(s) failed.\n")


# The app client, in moto -----------------------------------------------------------------------


@pytest.fixture
def registered(aws, idp, environ) -> dict[str, str]:
    """A pool and app client in moto made for APP_BASE_URL, and the environment of an app set up for them.

    The discovery document is the fake Cognito one (moto's lacks the OAuth endpoints), served
    for the moto pool's issuer. boto3 talks to moto past `responses`, which patches requests only.
    """
    provisioned = Provisioner(aws, say=lambda line: None).provision(Blueprint(
        "rp-pool", PREFIX, "sign-in-with-cognito", REDIRECT_URI, APP_BASE_URL + "/"))
    issuer = f"https://cognito-idp.eu-west-1.amazonaws.com/{provisioned.pool_id}"
    idp.document["issuer"] = issuer
    idp.pool = replace(idp.pool, client_id=provisioned.client_id, client_secret=provisioned.client_secret)
    idp.mock.add_callback(responses.GET, f"{issuer}/.well-known/openid-configuration",
                          callback=lambda request: (200, {}, json.dumps(idp.document)))
    return {
        **environ,
        "OIDC_DISCOVERY_URL": f"{issuer}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": provisioned.client_id,
        "OIDC_CLIENT_SECRET": provisioned.client_secret,
        "COGNITO_DOMAIN": HOSTED_UI,
    }


def update_client(aws, environ: dict[str, str], **changes) -> None:
    pool_id = environ["OIDC_DISCOVERY_URL"].split("/")[3]
    aws.update_user_pool_client(UserPoolId=pool_id, ClientId=environ["OIDC_CLIENT_ID"], **changes)


def test_a_correct_setup_passes_every_check(check, registered):
    result = check(registered)

    assert result.exit_code == 0, result.output
    pool_id = registered["OIDC_DISCOVERY_URL"].split("/")[3]
    assert result.output.splitlines()[18:] == [
        f"ok    app client {registered['OIDC_CLIENT_ID']} (sign-in-with-cognito) found in user pool {pool_id} "
        "(rp-pool)",
        f"ok    callback URL {REDIRECT_URI} is registered",
        f"ok    sign-out URL {APP_BASE_URL}/ is registered",
        "ok    OAuth 2.0 is enabled for the app client",
        "ok    the authorization code grant is allowed",
        "ok    no other grant is allowed",
        "ok    scopes openid email profile are allowed",
        "ok    authentication flows ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH are enabled",
        "ok    the user pool's own users (identity provider COGNITO) may sign in",
        "ok    the app client's secret is OIDC_CLIENT_SECRET",
        f"ok    COGNITO_DOMAIN {HOSTED_UI} is the user pool's domain",
        "All checks passed.",
    ]


@pytest.mark.parametrize(("changes", "expected"), [
    ({"CallbackURLs": ["http://localhost:5000/oauth/v2/callback"]},
     [f"callback URL registered is http://localhost:5000/oauth/v2/callback, the app will send {REDIRECT_URI}"]),
    ({"CallbackURLs": []}, [f"no callback URL is registered, the app will send {REDIRECT_URI}"]),
    ({"LogoutURLs": []}, [f"no sign-out URL is registered, the app will send {APP_BASE_URL}/"]),
    ({"LogoutURLs": [f"{APP_BASE_URL}/signed-out", "http://localhost:5000/"]},
     [f"sign-out URLs registered are {APP_BASE_URL}/signed-out, http://localhost:5000/, the app will send "
      f"{APP_BASE_URL}/"]),
    ({"AllowedOAuthFlows": ["implicit"]},
     ["the authorization code grant is not allowed (implicit), the app uses it",
      "grants other than the authorization code grant are allowed (implicit): allow only the authorization code "
      "grant"]),
    ({"AllowedOAuthFlowsUserPoolClient": False},
     ["OAuth 2.0 is not enabled for the app client (AllowedOAuthFlowsUserPoolClient is false): the hosted UI "
      "refuses every sign-in"]),
    ({"AllowedOAuthScopes": ["email", "profile"]},
     ["scope openid not allowed for the app client (email, profile), the app asks for openid email profile"]),
    ({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]},
     ["authentication flow ALLOW_REFRESH_TOKEN_AUTH not enabled (ALLOW_USER_PASSWORD_AUTH): the app refreshes its "
      "tokens with ALLOW_REFRESH_TOKEN_AUTH"]),
    ({"SupportedIdentityProviders": ["Google"]},
     ["identity provider COGNITO is not enabled for the app client (Google): the pool's own users cannot sign in"]),
])
def test_each_app_client_misconfiguration_is_named(check, registered, aws, changes, expected):
    update_client(aws, registered, **changes)

    result = check(registered)

    assert result.exit_code == 1
    assert aws_failures(result.output) == expected


def test_behind_a_load_balancer_its_callback_url_is_checked_and_no_secret_is_needed(check, registered, aws):
    """COGNITO_SIGNIN_MODE=alb: Cognito sends the browser to the ALB's /oauth2/idpresponse; the ALB holds the secret."""
    alb_callback = APP_BASE_URL + "/oauth2/idpresponse"
    update_client(aws, registered, **client_settings(alb_callback, APP_BASE_URL + "/"))
    alb_mode = {**registered, "COGNITO_SIGNIN_MODE": "alb", "OIDC_CLIENT_SECRET": "",
                "ALB_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/rp/50dc6c495c0c9188"}

    result = check(alb_mode)

    assert result.exit_code == 0, result.output
    assert f"ok    callback URL {alb_callback} is registered" in result.output
    assert "ok    the app client has a client secret, which the load balancer holds" in result.output
    assert failures(check(registered).output) == [
        f"callback URL registered is {alb_callback}, the app will send {REDIRECT_URI}"]


def test_a_client_without_secret_is_named(check, registered, aws):
    pool_id = registered["OIDC_DISCOVERY_URL"].split("/")[3]
    public = aws.create_user_pool_client(UserPoolId=pool_id, ClientName="public", GenerateSecret=False,
                                         **client_settings(REDIRECT_URI, APP_BASE_URL + "/"))["UserPoolClient"]

    result = check({**registered, "OIDC_CLIENT_ID": public["ClientId"]})

    assert result.exit_code == 1
    assert aws_failures(result.output) == ["the app client has no client secret, the app authenticates with "
                                       "client_secret_post: create an app client with a generated secret"]


def test_a_different_secret_is_named(check, registered):
    """By the token endpoint (which refuses the client), and by the app client's settings at AWS."""
    result = check({**registered, "OIDC_CLIENT_SECRET": "not-the-secret-" + "x" * 30})

    assert result.exit_code == 1
    assert failures(result.output)[0].startswith("client authentication failed: the token endpoint refused the "
                                                 "authorization code grant: invalid_client")
    assert aws_failures(result.output) == ["the app client's secret is not OIDC_CLIENT_SECRET: copy it from the app "
                                       "client"]


def test_a_cognito_domain_of_another_pool_is_named(check, registered):
    result = check({**registered, "COGNITO_DOMAIN": "other.auth.eu-west-1.amazoncognito.com"})

    assert result.exit_code == 1
    assert aws_failures(result.output) == [f"COGNITO_DOMAIN is other.auth.eu-west-1.amazoncognito.com, the user pool's "
                                       f"domain is {HOSTED_UI}"]


def test_a_pool_without_domain_is_named(check, registered, aws):
    pool_id = registered["OIDC_DISCOVERY_URL"].split("/")[3]
    aws.delete_user_pool_domain(UserPoolId=pool_id, Domain=PREFIX)
    without_setting = {name: value for name, value in registered.items() if name != "COGNITO_DOMAIN"}

    with_setting, without = check(registered), check(without_setting)

    assert aws_failures(with_setting.output) == [f"COGNITO_DOMAIN is {HOSTED_UI}, but the user pool has no domain"]
    assert aws_failures(without.output) == ["the user pool has no domain: the hosted UI (the sign-in page) needs one"]


def test_an_app_client_that_does_not_exist_is_named(check, registered):
    result = check({**registered, "OIDC_CLIENT_ID": "0000000000000000000000000a"})

    assert result.exit_code == 1
    (failure,) = aws_failures(result.output)
    pool_id = registered["OIDC_DISCOVERY_URL"].split("/")[3]
    assert failure.startswith(f"app client 0000000000000000000000000a of user pool {pool_id} not read: AWS "
                              "DescribeUserPoolClient failed: ResourceNotFoundException")


def test_a_setup_provisioned_in_moto_fails_only_on_what_moto_does_not_serve(aws, cli, tmp_path: Path):
    """provision's .env names moto's discovery document: the app client matches, the document does not do."""
    env_file = tmp_path / ".env"
    cli({}, "cognito", "provision", "--pool-name", "rp-pool", "--domain-prefix", PREFIX, "--env-file", str(env_file))

    result = cli({**dotenv_values(env_file), "SESSION_STORE_URL": f"sqlite:///{tmp_path / 's.db'}"}, "oidc", "check")

    assert result.exit_code == 1
    assert [re.sub(r"eu-west-1_\w+", "POOL", line).split(":")[0] for line in failures(result.output)] == [
        "issuer in the discovery document is 'https",
        "authorization endpoint missing from the discovery document",
        "token endpoint missing from the discovery document",
        "client authentication client_secret_post (OIDC_CLIENT_AUTH_METHOD) is not supported",
    ]
    assert "ok    the app client's secret is OIDC_CLIENT_SECRET" in result.output


# Providers the AWS part does not apply to ------------------------------------------------------


@pytest.mark.parametrize(("discovery_url", "expected"), [
    ("https://login.example.com/.well-known/openid-configuration",
     "app client settings not compared: https://login.example.com is not a Cognito user pool"),
    ("http://127.0.0.1:9/eu-west-1_Local1/.well-known/openid-configuration",
     "app client settings not compared: http://127.0.0.1:9/eu-west-1_Local1 is not a user pool of {endpoint}"),
])
def test_providers_that_are_not_pools_of_the_aws_endpoint_are_not_compared(aws, environ, moto_endpoint, tmp_path,
                                                                          discovery_url, expected):
    settings = Settings.from_mapping({**environ, "OIDC_DISCOVERY_URL": discovery_url}, tmp_path)

    findings = check_app_client(settings.provider, settings)

    assert findings == [Finding("SKIP", expected.format(endpoint=moto_endpoint))]


# The app client as the provider judges it, without AWS -----------------------------------------


def test_a_wrong_client_secret_is_named_by_the_token_endpoint(check, environ, idp):
    result = check({**environ, "OIDC_CLIENT_SECRET": "not-the-secret-" + "x" * 30})

    assert result.exit_code == 1
    assert failures(result.output) == [
        "client authentication failed: the token endpoint refused the authorization code grant: invalid_client: the "
        f"provider does not accept this app client's credentials: check OIDC_CLIENT_ID {CLIENT_ID}, "
        "OIDC_CLIENT_SECRET (the secret of that app client) and OIDC_CLIENT_AUTH_METHOD (client_secret_post)"]


def test_an_app_client_without_the_code_grant_is_named(check, environ, idp):
    idp.mock.replace(responses.POST, TOKEN_ENDPOINT, status=400, json={"error": "unauthorized_client"})

    result = check(environ)

    assert result.exit_code == 1
    assert f"ok    client authentication works for app client {CLIENT_ID} (client_secret_post)" in result.output
    assert failures(result.output) == [
        "the token endpoint refused the authorization code grant: unauthorized_client: app client "
        f"{CLIENT_ID} may not use this grant: allow the authorization code grant (Cognito: the app client's OAuth "
        "grant types) and refresh tokens"]


def test_a_callback_url_the_pool_does_not_know_is_named(check, environ, idp):
    idp.callback_urls = ["http://localhost:5000/oauth/v2/callback"]

    result = check(environ)

    assert result.exit_code == 1
    assert failures(result.output) == [
        f"callback URL {REDIRECT_URI} is not registered for app client {CLIENT_ID} (the authorize endpoint answers "
        "redirect_mismatch, and the browser would stop on its error page): add it to the app client's callback URLs "
        "(the emulator: the client's callback_urls in its pool file), or set APP_BASE_URL to the app's address there"]


def test_an_app_client_the_pool_does_not_have_is_named(check, environ, idp):
    result = check({**environ, "OIDC_CLIENT_ID": "0000000000000000000000000a"})

    assert result.exit_code == 1
    assert failures(result.output)[1] == ("the user pool has no app client 0000000000000000000000000a (the authorize "
                                          "endpoint answers invalid_client): check OIDC_CLIENT_ID")


def test_a_pool_id_that_does_not_exist_is_named_with_the_setting_to_fix(check, environ, idp):
    missing = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Missing1/.well-known/openid-configuration"
    idp.mock.add(responses.GET, missing, status=404)

    result = check({**environ, "OIDC_DISCOVERY_URL": missing})

    assert result.exit_code == 1
    assert failures(result.output) == [f"discovery document not loaded: discovery document not found at {missing}: "
                                       "check OIDC_DISCOVERY_URL (the region and user pool id in it)"]
    assert "try again" not in result.output
    assert ("note  client authentication and the callback URL not checked: the discovery document is not usable"
            in result.output)


def test_the_callback_url_is_asked_only_of_a_cognito_pool(check, environ, idp, signing_key):
    other = Pool(issuer="https://op.example.com/tenant", domain="https://op.example.com/tenant")
    FakeCognito(idp.mock, signing_key, other).install()

    result = check({**environ, "OIDC_DISCOVERY_URL": other.discovery_url})

    assert result.exit_code == 0, result.output
    assert (f"SKIP  callback URL {REDIRECT_URI} not checked at the authorize endpoint: only a Cognito user pool says "
            "redirect_mismatch the same documented way") in result.output


def test_without_boto3_the_aws_part_is_skipped_and_the_check_passes(check, environ, idp, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError

    result = check(environ)

    assert result.exit_code == 0, result.output
    assert ("SKIP  app client settings not compared: boto3 is not installed: pip install "
            "'flask-cognito-signin[aws]'") in result.output
    assert result.output.endswith("All checks passed (1 part(s) skipped).\n")


# Against the local emulator: everything but AWS is checked ------------------------------------


@pytest.fixture
def emulated(environ, cognito_emulator) -> dict[str, str]:
    """An app set up for the emulator's pool, whose client registers http://localhost's callback."""
    return {**environ, **cognito_emulator.app_config("http://localhost")}


def test_a_correct_emulator_setup_passes_without_aws(check, emulated, cognito_emulator, monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)

    result = check(emulated)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("ok ")] == [
        f"ok    discovery document loaded from {cognito_emulator.discovery_url}",
        f"ok    issuer is {cognito_emulator.issuer}",
        "ok    client authentication client_secret_post is supported",
        "ok    ID tokens may be signed with RS256",
        next(line for line in lines if line.startswith("ok    JWKS holds 2 RS256 signing key(s): ")),  # the emulator's
        f"ok    client authentication works: the token endpoint accepted app client {cognito_emulator.client_id} "
        "(client_secret_post) and refused only the made-up code it was sent",
        "ok    callback URL http://localhost/oauth/v2/callback is registered for app client "
        f"{cognito_emulator.client_id}: the authorize endpoint accepts the sign-in request",
    ]
    assert lines[-2:] == ["SKIP  app client settings not compared: boto3 is not installed: pip install "
                          "'flask-cognito-signin[aws]'", "All checks passed (1 part(s) skipped)."]


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"OIDC_CLIENT_SECRET": "not-the-secret-" + "x" * 30},
                 "client authentication failed: the token endpoint refused the authorization code grant: "
                 "invalid_client: the provider does not accept this app client's credentials", id="secret"),
    pytest.param({"APP_BASE_URL": "http://localhost:5000"},
                 "callback URL http://localhost:5000/oauth/v2/callback is not registered for app client", id="callback"),
])
def test_an_emulator_setup_that_cannot_sign_in_is_named(check, emulated, changes, expected):
    result = check({**emulated, **changes})

    assert result.exit_code == 1
    assert [line for line in failures(result.output) if line.startswith(expected)], result.output


def test_a_wrong_pool_id_at_the_emulator_is_named(check, emulated, cognito_emulator):
    wrong = cognito_emulator.discovery_url.replace("us-east-1_TestPool1", "us-east-1_Missing1")

    result = check({**emulated, "OIDC_DISCOVERY_URL": wrong})

    assert result.exit_code == 1
    assert failures(result.output) == [f"discovery document not loaded: discovery document not found at {wrong}: "
                                       "check OIDC_DISCOVERY_URL (the region and user pool id in it)"]
