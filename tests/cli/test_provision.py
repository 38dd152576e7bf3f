"""`flask cognito provision` against a moto server: what it creates, reuses, updates, deletes and writes."""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from joserfc.jwk import KeySet

from flask_cognito_signin.cli.envfile import render
from flask_cognito_signin.cli.pools import discovery_settings
from flask_cognito_signin.cli.provision import Provisioned
from flask_cognito_signin.oidc import Provider, ProviderConfigurationError
from flask_cognito_signin.settings import Settings
from tests.support.tools import require_module

POOL, PREFIX, CLIENT = "rp-pool", "rp-test-app", "sign-in-with-cognito"
EMAIL, PASSWORD = "alice@example.com", "Correct-h0rse-battery!"
BASE_URL = "https://rp.example.com"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: moto (5.x) has no managed login branding: provision says so and goes on (test_managed_login_style_* below
#: check the calls against botocore's Stubber instead).
MOTO_HAS_NO_STYLES = (f"managed login style of app client {CLIENT}: not made, the endpoint has no "
                      "DescribeManagedLoginBrandingByClient (moto has none): make one in the Cognito console "
                      "(Branding, Managed login)")


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    return tmp_path / ".env"


@pytest.fixture
def provision(cli, env_file, monkeypatch):
    """`flask cognito provision --pool-name rp-pool --domain-prefix rp-test-app --env-file …` plus `extra`;
    a test user's password comes from the environment, as the command's help recommends."""
    monkeypatch.setenv("COGNITO_TEST_USER_PASSWORD", PASSWORD)

    def run(*extra: str, input: str | None = None):
        return cli({}, "cognito", "provision", "--pool-name", POOL, "--domain-prefix", PREFIX,
                   "--env-file", str(env_file), *extra, input=input)

    return run


@pytest.fixture
def base_url(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("APP_BASE_URL", BASE_URL)
    return BASE_URL


def pools_named(aws, name: str = POOL) -> list[dict]:
    return [pool for pool in aws.list_user_pools(MaxResults=60)["UserPools"] if pool["Name"] == name]


def the_pool_id(aws) -> str:
    (pool,) = pools_named(aws)
    return pool["Id"]


def the_client(aws) -> dict:
    pool_id = the_pool_id(aws)
    (summary,) = aws.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    return aws.describe_user_pool_client(UserPoolId=pool_id, ClientId=summary["ClientId"])["UserPoolClient"]


# Creating --------------------------------------------------------------------------------------


def test_it_creates_the_pool_domain_app_client_and_test_user_as_prescribed(aws, provision, base_url):
    result = provision("--user", EMAIL)

    assert result.exit_code == 0, result.output
    pool_id = the_pool_id(aws)
    client = the_client(aws)
    assert result.output.splitlines()[:6] == [
        f"created user pool {POOL} ({pool_id})",
        f"created domain prefix {PREFIX} ({PREFIX}.auth.eu-west-1.amazoncognito.com)",
        f"created app client {CLIENT} ({client['ClientId']})",
        MOTO_HAS_NO_STYLES,
        f"created test user {EMAIL} (email verified)",
        f"set the password of test user {EMAIL} (permanent)",
    ]
    assert f"callback URL registered: {BASE_URL}/oauth/v2/callback\n" in result.output
    assert f"sign-out URL registered: {BASE_URL}/\n" in result.output
    assert client["ClientName"] == CLIENT
    assert client["ClientSecret"]
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert 3 <= client["AuthSessionValidity"] <= 15
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["CallbackURLs"] == [f"{BASE_URL}/oauth/v2/callback"]
    assert client["LogoutURLs"] == [f"{BASE_URL}/"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["EnableTokenRevocation"] is True
    pool = aws.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Domain"] == PREFIX
    assert pool["UsernameAttributes"] == ["email"]
    user = aws.admin_get_user(UserPoolId=pool_id, Username=EMAIL)
    assert user["UserStatus"] == "CONFIRMED"
    assert {attribute["Name"]: attribute["Value"] for attribute in user["UserAttributes"]}.items() >= {
        "email": EMAIL, "email_verified": "true"}.items()


def test_the_env_file_holds_the_settings_with_comments_readable_by_the_owner_only(aws, provision, env_file,
                                                                                  base_url, moto_endpoint):
    result = provision()

    assert result.exit_code == 0, result.output
    assert f"wrote {env_file} (mode 0600)" in result.output
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    client, pool_id = the_client(aws), the_pool_id(aws)
    values = dotenv_values(env_file)
    assert re.fullmatch(r"[0-9a-f]{64}", values.pop("SECRET_KEY"))
    assert values == {
        # moto serves a discovery document for the pool, so the .env names it rather than Cognito's address
        "OIDC_DISCOVERY_URL": f"{moto_endpoint}/{pool_id}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": client["ClientId"],
        "OIDC_CLIENT_SECRET": client["ClientSecret"],
        "OIDC_CLIENT_AUTH_METHOD": "client_secret_post",
        "APP_BASE_URL": BASE_URL,
        "COGNITO_DOMAIN": f"{PREFIX}.auth.eu-west-1.amazoncognito.com",
    }
    text = env_file.read_text()
    assert text.startswith("# Written by `flask cognito provision`")
    assert sum(line.startswith("#") for line in text.splitlines()) >= 6
    settings = Settings.from_mapping(dotenv_values(env_file), env_file.parent)
    assert settings.redirect_uri == f"{BASE_URL}/oauth/v2/callback"
    assert settings.provider.cognito_domain == f"https://{PREFIX}.auth.eu-west-1.amazoncognito.com"


def test_what_the_apps_discovery_import_gets_from_moto(aws, provision, env_file):
    """moto serves the pool's discovery document and JWKS, but names Cognito's issuer and no OAuth endpoints.

    So the app refuses the document (issuer mismatch), provision says so, and the JWKS it
    points at does load, with an RS256 key.
    """
    result = provision()
    settings = Settings.from_mapping(dotenv_values(env_file), env_file.parent)
    provider = Provider(settings.provider, settings.http_timeout)
    pool_id = the_pool_id(aws)
    cognito_issuer = f"https://cognito-idp.eu-west-1.amazonaws.com/{pool_id}"

    assert f"note: the emulator's discovery document names the issuer '{cognito_issuer}'" in result.output
    with pytest.raises(ProviderConfigurationError, match=re.escape(f"names the issuer '{cognito_issuer}', not")):
        provider.metadata()
    document = provider.get_json(settings.provider.discovery_url, "discovery")
    assert document["issuer"] == cognito_issuer
    assert "authorization_endpoint" not in document and "token_endpoint" not in document
    assert "token_endpoint_auth_methods_supported" not in document
    keys = KeySet.import_key_set(provider.get_json(document["jwks_uri"], "JWKS"))
    assert [(key.key_type, key.alg) for key in keys] == [("RSA", "RS256")]


def test_against_aws_the_env_names_the_pool_by_region_and_id():
    location, notes = discovery_settings("https://cognito-idp.eu-west-1.amazonaws.com", "eu-west-1",
                                         "eu-west-1_AbC123", timeout=1)

    assert location == {"COGNITO_REGION": "eu-west-1", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123"}
    assert notes == []


def test_an_env_naming_the_pool_by_region_and_id_gives_cognitos_discovery_url(tmp_path):
    provisioned = Provisioned("eu-west-1", "eu-west-1_AbC123", "4t2pm3q5k1nh8r7s6v0w9x8y7z", "s3cr3t" * 8)
    location = {"COGNITO_REGION": "eu-west-1", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123"}
    text = render(provisioned, POOL, CLIENT, location, BASE_URL, f"{PREFIX}.auth.eu-west-1.amazoncognito.com")

    settings = Settings.from_mapping(dotenv_values(stream=io.StringIO(text)), tmp_path)

    assert settings.provider.discovery_url == ("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
                                               "/.well-known/openid-configuration")
    assert (settings.provider.client_id, settings.provider.client_secret) == (provisioned.client_id, "s3cr3t" * 8)
    assert settings.provider.client_auth_method == "client_secret_post"


def test_an_emulator_without_discovery_gets_cognitos_address_and_a_note(unused_endpoint):
    location, notes = discovery_settings(unused_endpoint, "eu-west-1", "eu-west-1_AbC123", timeout=1)

    assert location == {"COGNITO_REGION": "eu-west-1", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123"}
    assert notes == [f"the emulator at {unused_endpoint} does not serve {unused_endpoint}/eu-west-1_AbC123/"
                     f".well-known/openid-configuration (discovery: nothing listens at "
                     f"{unused_endpoint.removeprefix('http://')} (connection refused)): "
                     "the .env names the pool at Cognito's address"]


def test_app_base_url_defaults_to_localhost_like_the_app(aws, provision):
    result = provision()

    assert result.exit_code == 0, result.output
    assert "callback URL registered: http://localhost:5000/oauth/v2/callback" in result.output
    assert the_client(aws)["LogoutURLs"] == ["http://localhost:5000/"]


def test_the_command_works_before_any_env_exists(aws, moto_endpoint, env_file):
    """The documented command line, in a process of its own: the app loads without settings."""
    environment = {name: value for name, value in os.environ.items() if name.startswith(("AWS_", "PATH", "HOME"))}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "cognito", "provision", "--pool-name", POOL,
         "--domain-prefix", PREFIX, "--env-file", str(env_file)],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert f"created user pool {POOL}" in result.stdout
    assert env_file.exists()


# Running again ---------------------------------------------------------------------------------


def test_a_second_run_reuses_everything_and_makes_no_duplicates(aws, provision, env_file):
    provision("--user", EMAIL)
    first_client = the_client(aws)

    result = provision("--user", EMAIL, "--force")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:6] == [
        f"reused user pool {POOL} ({the_pool_id(aws)})",
        f"reused domain prefix {PREFIX} ({PREFIX}.auth.eu-west-1.amazoncognito.com)",
        f"reused app client {CLIENT} ({first_client['ClientId']})",
        MOTO_HAS_NO_STYLES,
        f"reused test user {EMAIL}",
        f"set the password of test user {EMAIL} (permanent)",
    ]
    assert the_client(aws) == first_client
    assert len(aws.list_users(UserPoolId=the_pool_id(aws))["Users"]) == 1
    assert dotenv_values(env_file)["OIDC_CLIENT_SECRET"] == first_client["ClientSecret"]


def test_a_second_run_puts_drifted_client_settings_back(aws, provision, base_url):
    provision()
    client = the_client(aws)
    aws.update_user_pool_client(UserPoolId=client["UserPoolId"], ClientId=client["ClientId"],
                                CallbackURLs=["https://old.example.com/callback"], AllowedOAuthFlows=["implicit"])

    result = provision("--force")

    assert result.exit_code == 0, result.output
    assert f"updated app client {CLIENT} ({client['ClientId']}): AllowedOAuthFlows, CallbackURLs" in result.output
    assert the_client(aws) == client


def test_an_existing_env_file_is_not_overwritten_without_force(aws, provision, env_file):
    env_file.write_text("SECRET_KEY=mine\n")

    result = provision()

    assert result.exit_code == 1
    assert result.output == (f"Error: {env_file} exists: pass --force to replace it, or --env-file to write another "
                             "file; nothing was changed\n")
    assert env_file.read_text() == "SECRET_KEY=mine\n"
    assert pools_named(aws) == []


def test_force_replaces_the_env_file_with_one_readable_by_the_owner_only(aws, provision, env_file):
    env_file.write_text("SECRET_KEY=mine\n")
    env_file.chmod(0o644)

    result = provision("--force")

    assert result.exit_code == 0, result.output
    assert dotenv_values(env_file)["OIDC_CLIENT_ID"] == the_client(aws)["ClientId"]
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert [path.name for path in env_file.parent.iterdir()] == [".env"]  # no temporary file left


# The test user's password: never an argument -------------------------------------------------


def user_signs_in_with(aws, password: str) -> bool:
    """Whether the test user's permanent password is `password` (an admin sign-in with it works)."""
    pool_id = the_pool_id(aws)
    client_id = aws.create_user_pool_client(UserPoolId=pool_id, ClientName="password-check",
                                            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    try:
        aws.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                AuthParameters={"USERNAME": EMAIL, "PASSWORD": password})
    except aws.exceptions.NotAuthorizedException:
        return False
    return True


def test_the_password_comes_from_the_environment_without_a_word(aws, provision):
    result = provision("--user", EMAIL)

    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "Password" not in result.output
    assert user_signs_in_with(aws, PASSWORD) and not user_signs_in_with(aws, "Another-passw0rd!")


def test_without_the_environment_variable_the_password_is_asked_for_twice(aws, provision, monkeypatch):
    monkeypatch.delenv("COGNITO_TEST_USER_PASSWORD")
    typed = "Typed-at-the-pr0mpt!"

    result = provision("--user", EMAIL, input=f"{typed}\n{typed}\n")

    assert result.exit_code == 0, result.output
    assert f"Password of test user {EMAIL}: " in result.output and "Repeat for confirmation: " in result.output
    assert typed not in result.output, "the prompt does not echo"
    assert user_signs_in_with(aws, typed)


def test_a_prompt_nobody_answers_changes_nothing(aws, provision, monkeypatch):
    monkeypatch.delenv("COGNITO_TEST_USER_PASSWORD")

    result = provision("--user", EMAIL, input="")

    assert result.exit_code == 1 and "Aborted" in result.output
    assert pools_named(aws) == []


def test_the_password_flag_still_works_and_warns(aws, provision, monkeypatch):
    monkeypatch.delenv("COGNITO_TEST_USER_PASSWORD")
    flagged = "Flagged-passw0rd!"

    result = provision("--user", EMAIL, "--password", flagged)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "warning: --password shows the password in the process list and the shell's history; "
        "set COGNITO_TEST_USER_PASSWORD or answer the prompt instead")
    assert user_signs_in_with(aws, flagged)


# Dry runs --------------------------------------------------------------------------------------


def test_a_dry_run_on_an_empty_account_says_what_it_would_create_and_creates_nothing(aws, provision, env_file):
    result = provision("--user", EMAIL, "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"would create user pool {POOL}",
        f"would create domain prefix {PREFIX}",
        f"would create app client {CLIENT}",
        f"would create managed login style of app client {CLIENT} (Cognito's default look)",
        f"would create test user {EMAIL}",
        "would register callback URL http://localhost:5000/oauth/v2/callback",
        "would register sign-out URL http://localhost:5000/",
        f"would write {env_file}",
    ]
    assert pools_named(aws) == []
    assert not env_file.exists()


def test_a_dry_run_says_what_it_would_reuse_and_update_and_changes_nothing(aws, provision, env_file):
    provision("--user", EMAIL)
    client = the_client(aws)
    aws.update_user_pool_client(UserPoolId=client["UserPoolId"], ClientId=client["ClientId"], LogoutURLs=[])
    drifted, before = the_client(aws), env_file.read_text()

    result = provision("--user", EMAIL, "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:6] == [
        f"would reuse user pool {POOL} ({the_pool_id(aws)})",
        f"would reuse domain prefix {PREFIX} ({PREFIX}.auth.eu-west-1.amazoncognito.com)",
        f"would update app client {CLIENT} ({client['ClientId']}): LogoutURLs",
        MOTO_HAS_NO_STYLES,
        f"would reuse test user {EMAIL}",
        f"would set the password of test user {EMAIL} (permanent)",
    ]
    assert result.output.splitlines()[-1] == f"would write {env_file} (it exists: pass --force to replace it)"
    assert the_client(aws) == drifted
    assert env_file.read_text() == before


# Deleting --------------------------------------------------------------------------------------


def test_delete_removes_the_client_the_domain_and_the_pool(aws, provision):
    provision("--user", EMAIL)
    pool_id, client_id = the_pool_id(aws), the_client(aws)["ClientId"]

    result = provision("--delete")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"deleted app client {CLIENT} ({client_id})",
        f"deleted domain prefix {PREFIX}",
        f"deleted user pool {POOL} ({pool_id}) and its users",
    ]
    assert pools_named(aws) == []
    assert aws.describe_user_pool_domain(Domain=PREFIX)["DomainDescription"] == {}


def test_deleting_what_is_absent_is_not_an_error(aws, provision):
    result = provision("--delete")

    assert result.exit_code == 0, result.output
    assert result.output == f"user pool {POOL}: not found, nothing to delete\n"


def test_a_dry_run_of_delete_deletes_nothing(aws, provision):
    provision()

    result = provision("--delete", "--dry-run")

    assert result.exit_code == 0, result.output
    assert [line.split(" (")[0] for line in result.output.splitlines()] == [
        f"would delete app client {CLIENT}",
        f"would delete domain prefix {PREFIX}",
        f"would delete user pool {POOL}",
    ]
    assert len(pools_named(aws)) == 1


def test_a_pool_with_deletion_protection_is_deleted_only_with_force(aws, provision):
    pool_id = aws.create_user_pool(PoolName=POOL, DeletionProtection="ACTIVE")["UserPool"]["Id"]

    refused = provision("--delete")
    forced = provision("--delete", "--force")

    assert refused.exit_code == 1
    assert refused.output == (f"Error: user pool {POOL} ({pool_id}) has deletion protection: turn it off in the "
                              "Cognito console, or pass --force to have it turned off; nothing was deleted\n")
    assert forced.exit_code == 0, forced.output
    assert forced.output.splitlines() == [
        f"app client {CLIENT}: not found",
        f"turned off deletion protection of user pool {POOL}",
        f"deleted user pool {POOL} ({pool_id}) and its users",
    ]
    assert pools_named(aws) == []


# What stops a run ------------------------------------------------------------------------------


def test_without_a_region_it_says_so_in_one_line(aws, provision, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    result = provision()

    assert result.exit_code == 1
    assert result.output == ("Error: no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in your "
                             "AWS profile\n")


def test_aws_region_is_honoured_like_the_aws_cli_does(aws, provision, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")

    result = provision()

    assert result.exit_code == 0, result.output
    assert f"created domain prefix {PREFIX} ({PREFIX}.auth.eu-central-1.amazoncognito.com)" in result.output


def test_without_credentials_it_says_so_in_one_line(provision, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    result = provision()

    assert result.exit_code == 1
    assert result.output == ("Error: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY (or run `aws configure` / `aws sso login`)\n")


def test_an_unknown_profile_is_one_line(provision, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "nobody")

    result = provision()

    assert result.exit_code == 1
    assert result.output == "Error: AWS: The config profile (nobody) could not be found\n"


def test_an_aws_refusal_names_the_operation_and_the_error_code(aws, provision, monkeypatch):
    monkeypatch.setenv("COGNITO_TEST_USER_PASSWORD", "weak")
    result = provision("--user", EMAIL)

    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(
        "Error: AWS AdminSetUserPassword failed: InvalidPasswordException: ")
    assert "Traceback" not in result.output


def test_an_unreachable_endpoint_is_one_line(aws, provision, monkeypatch, unused_endpoint):
    monkeypatch.setenv("AWS_ENDPOINT_URL", unused_endpoint)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    result = provision()

    assert result.exit_code == 1
    assert result.output == f'Error: AWS: Could not connect to the endpoint URL: "{unused_endpoint}/"\n'


def test_a_domain_prefix_of_another_pool_is_refused(aws, provision):
    other = aws.create_user_pool(PoolName="other")["UserPool"]["Id"]
    aws.create_user_pool_domain(UserPoolId=other, Domain=PREFIX)

    result = provision()

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (f"Error: the domain prefix '{PREFIX}' belongs to user pool {other}: "
                                              "choose another one")


@pytest.mark.parametrize("app_base_url", ["http://rp.example.com", "rp.example.com", "https://rp.example.com/?x=1",
                                          "https://rp.example.com/a b"])
def test_an_app_base_url_cognito_would_refuse_stops_the_run_before_any_change(aws, provision, monkeypatch,
                                                                              app_base_url):
    monkeypatch.setenv("APP_BASE_URL", app_base_url)

    result = provision()

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: APP_BASE_URL={app_base_url!r} ")
    assert pools_named(aws) == []


@pytest.mark.parametrize(("arguments", "message"), [
    (["--domain-prefix", "My_App"], "Invalid value for '--domain-prefix': use 1 to 63 lower-case letters"),
    (["--domain-prefix", "my-aws-app"], "without aws, amazon or cognito"),
    (["--password", PASSWORD], "--password goes with --user."),
    (["--delete", "--user", EMAIL, "--password", PASSWORD], "--user and --password do not go with --delete."),
])
def test_wrong_options_are_usage_errors(cli, env_file, arguments, message):
    result = cli({}, "cognito", "provision", "--pool-name", POOL, "--env-file", str(env_file), "--domain-prefix",
                 PREFIX, *arguments)

    assert result.exit_code == 2
    assert message in result.output


def test_the_domain_prefix_is_required_except_for_delete(cli):
    result = cli({}, "cognito", "provision", "--pool-name", POOL)

    assert result.exit_code == 2
    assert "Missing option '--domain-prefix'." in result.output


# The managed login style, where moto cannot check it: botocore's Stubber answers as Cognito documents ----------


_STYLE_ID = "6f0c6a8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
_ASKED = {"UserPoolId": "eu-west-1_abc", "ClientId": "client1"}


@pytest.fixture
def stubbed():
    """A cognito-idp client whose answers the test queues (botocore's Stubber), and a Provisioner on it."""
    require_module("boto3", "pip install -r requirements-dev.txt")
    import boto3
    from botocore.stub import Stubber

    from flask_cognito_signin.cli.provision import Provisioner

    cognito = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    said: list[str] = []
    with Stubber(cognito) as stubber:
        yield stubber, Provisioner(cognito, said.append), said
        stubber.assert_no_pending_responses()


def test_a_new_domain_gets_managed_login_not_the_classic_hosted_ui(stubbed):
    """CreateUserPoolDomain ManagedLoginVersion: 2 is managed login (moto takes and forgets it)."""
    stubber, provisioner, said = stubbed
    stubber.add_response("describe_user_pool", {"UserPool": {}}, expected_params={"UserPoolId": "eu-west-1_abc"})
    stubber.add_response("describe_user_pool_domain", {"DomainDescription": {}}, expected_params={"Domain": PREFIX})
    stubber.add_response("create_user_pool_domain", {}, expected_params={
        "UserPoolId": "eu-west-1_abc", "Domain": PREFIX, "ManagedLoginVersion": 2})
    provisioner._domain("eu-west-1_abc", PREFIX)
    assert said == [f"created domain prefix {PREFIX} ({PREFIX}.auth.eu-west-1.amazoncognito.com)"]


def test_managed_login_style_is_created_with_cognitos_defaults_for_a_client_without_one(stubbed):
    stubber, provisioner, said = stubbed
    stubber.add_client_error("describe_managed_login_branding_by_client", "ResourceNotFoundException",
                             expected_params=_ASKED)
    stubber.add_response("create_managed_login_branding",
                         {"ManagedLoginBranding": {"ManagedLoginBrandingId": _STYLE_ID}},
                         expected_params={**_ASKED, "UseCognitoProvidedValues": True})
    provisioner.managed_login_style("eu-west-1_abc", {"ClientId": "client1"}, CLIENT)
    assert said == [f"created managed login style of app client {CLIENT} (Cognito's default look)"]


def test_managed_login_style_of_the_client_is_reused(stubbed):
    stubber, provisioner, said = stubbed
    stubber.add_response("describe_managed_login_branding_by_client",
                         {"ManagedLoginBranding": {"ManagedLoginBrandingId": _STYLE_ID}}, expected_params=_ASKED)
    provisioner.managed_login_style("eu-west-1_abc", {"ClientId": "client1"}, CLIENT)
    assert said == [f"reused managed login style of app client {CLIENT} ({_STYLE_ID})"]


def test_a_refusal_about_the_style_stops_the_run_in_one_line(stubbed):
    from flask_cognito_signin.cli.aws import AWSError, one_line_errors

    stubber, provisioner, said = stubbed
    stubber.add_client_error("describe_managed_login_branding_by_client", "NotAuthorizedException",
                             "not allowed", expected_params=_ASKED)
    refused = "AWS DescribeManagedLoginBrandingByClient failed: NotAuthorizedException"
    with pytest.raises(AWSError, match=refused), one_line_errors():
        provisioner.managed_login_style("eu-west-1_abc", {"ClientId": "client1"}, CLIENT)
    assert said == []
