"""Settings: defaults, derivation, and one clear message per missing or malformed value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

import config as host_config
from flask_cognito_signin.settings import ConfigError, Settings

ROOT = Path(__file__).resolve().parent.parent


def settings(environ, tmp_path, **changes) -> Settings:
    return Settings.from_mapping({k: v for k, v in {**environ, **changes}.items() if v is not None}, tmp_path)


def problems(environ, tmp_path, **changes) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        settings(environ, tmp_path, **changes)
    return refused.value.problems


def test_defaults(environ, tmp_path):
    s = settings(environ, tmp_path, SESSION_STORE_URL=None, APP_BASE_URL=None)
    assert s.provider.client_auth_method == "client_secret_post"
    assert s.provider.scopes == ("openid", "email", "profile")
    assert s.provider.logout_style == "cognito"
    assert s.provider.cognito_domain is None
    assert s.http_timeout == 5.0
    assert s.app_base_url == "http://localhost:5000"
    assert s.redirect_uri == "http://localhost:5000/oauth/v2/callback"
    assert s.session_store_url == f"sqlite:///{tmp_path / 'sessions.db'}"
    assert (s.session_idle_timeout, s.session_max_age) == (8 * 3600, 24 * 3600)
    assert s.fresh_login_max_age == 300


def test_api_audience_is_a_list_and_empty_by_default(environ, tmp_path):
    assert settings(environ, tmp_path).provider.api_audience == frozenset()
    s = settings(environ, tmp_path, API_AUDIENCE="https://api.example.com, urn:orders  urn:billing")
    assert s.provider.api_audience == {"https://api.example.com", "urn:orders", "urn:billing"}


def test_api_client_ids_default_to_the_app_client(environ, tmp_path):
    assert settings(environ, tmp_path).provider.api_client_ids == {environ["OIDC_CLIENT_ID"]}
    s = settings(environ, tmp_path, API_CLIENT_IDS="machine-a, machine-b")
    assert s.provider.api_client_ids == {"machine-a", "machine-b"}


def test_the_discovery_url_is_derived_from_region_and_pool(environ, tmp_path):
    s = settings(environ, tmp_path, OIDC_DISCOVERY_URL=None, COGNITO_REGION="eu-west-1",
                 COGNITO_USER_POOL_ID="eu-west-1_TestPool1")
    assert s.provider.discovery_url == environ["OIDC_DISCOVERY_URL"]
    assert s.provider.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1"


def test_secrets_are_not_in_repr(environ, tmp_path):
    text = repr(settings(environ, tmp_path))
    assert environ["OIDC_CLIENT_SECRET"] not in text and environ["SECRET_KEY"] not in text


def test_a_trailing_slash_on_the_base_url_is_dropped(environ, tmp_path):
    assert settings(environ, tmp_path, APP_BASE_URL="https://app.example.com/").redirect_uri == \
        "https://app.example.com/oauth/v2/callback"


def test_the_cognito_domain_becomes_an_origin(environ, tmp_path):
    assert settings(environ, tmp_path, COGNITO_DOMAIN="myapp.auth.eu-west-1.amazoncognito.com").provider \
        .cognito_domain == "https://myapp.auth.eu-west-1.amazoncognito.com"


def test_durations_take_units(environ, tmp_path):
    s = settings(environ, tmp_path, SESSION_IDLE_TIMEOUT="30m", SESSION_MAX_AGE="7d", FRESH_LOGIN_MAX_AGE="90s")
    assert (s.session_idle_timeout, s.session_max_age, s.fresh_login_max_age) == (1800, 7 * 86400, 90)


@pytest.mark.parametrize(
    "changes, named",
    [
        pytest.param({"SECRET_KEY": None}, "SECRET_KEY is not set", id="no-secret-key"),
        pytest.param({"SECRET_KEY": "short"}, "SECRET_KEY is too short", id="short-secret-key"),
        pytest.param({"OIDC_CLIENT_ID": None}, "OIDC_CLIENT_ID is not set", id="no-client-id"),
        pytest.param({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET is not set", id="no-client-secret"),
        pytest.param({"OIDC_DISCOVERY_URL": None}, "OIDC_DISCOVERY_URL is not set", id="no-discovery"),
        pytest.param({"OIDC_DISCOVERY_URL": "http://idp.example.com/.well-known/openid-configuration"}, "plain http",
                     id="http-discovery"),
        pytest.param({"OIDC_DISCOVERY_URL": "https://idp.example.com/oauth2"}, "must end with", id="not-well-known"),
        pytest.param({"OIDC_DISCOVERY_URL": "idp.example.com"}, "absolute", id="relative-discovery"),
        pytest.param({"OIDC_DISCOVERY_URL": None, "COGNITO_REGION": "eu-west-1"}, "COGNITO_USER_POOL_ID is not set",
                     id="region-without-pool"),
        pytest.param({"OIDC_DISCOVERY_URL": None, "COGNITO_REGION": "Europe", "COGNITO_USER_POOL_ID": "x_1"},
                     "COGNITO_REGION='Europe'", id="bad-region"),
        pytest.param({"OIDC_DISCOVERY_URL": None, "COGNITO_REGION": "eu-west-1",
                      "COGNITO_USER_POOL_ID": "us-east-1_Abc"}, "belongs to region us-east-1", id="pool-in-other-region"),
        pytest.param({"COGNITO_REGION": "eu-west-1", "COGNITO_USER_POOL_ID": "eu-west-1_Other1"}, "does not match",
                     id="discovery-and-pool-disagree"),
        pytest.param({"OIDC_CLIENT_AUTH_METHOD": "private_key_jwt"}, "OIDC_CLIENT_AUTH_METHOD", id="auth-method"),
        pytest.param({"OIDC_SCOPES": "email profile"}, "must include openid", id="no-openid-scope"),
        pytest.param({"APP_BASE_URL": "http://app.example.com"}, "plain http", id="http-base-url"),
        pytest.param({"APP_BASE_URL": "app.example.com"}, "absolute URL", id="relative-base-url"),
        pytest.param({"COGNITO_DOMAIN": "https://auth.example.com/path"}, "without a path", id="domain-with-path"),
        pytest.param({"COGNITO_DOMAIN": "not a domain"}, "is not a domain", id="bad-domain"),
        pytest.param({"SESSION_STORE_URL": "memcached://x"}, "SESSION_STORE_URL", id="store-scheme"),
        pytest.param({"SESSION_STORE_URL": "sqlite:///relative.db"}, "absolute file path", id="relative-sqlite"),
        pytest.param({"OIDC_HTTP_TIMEOUT": "0"}, "OIDC_HTTP_TIMEOUT", id="zero-timeout"),
        pytest.param({"OIDC_HTTP_TIMEOUT": "soon"}, "OIDC_HTTP_TIMEOUT", id="bad-timeout"),
        pytest.param({"OIDC_LOGOUT_STYLE": "saml"}, "OIDC_LOGOUT_STYLE", id="logout-style"),
        pytest.param({"SESSION_IDLE_TIMEOUT": "forever"}, "SESSION_IDLE_TIMEOUT", id="bad-duration"),
    ],
)
def test_each_problem_names_the_setting(environ, tmp_path, changes, named):
    found = problems(environ, tmp_path, **changes)
    assert len(found) == 1 and named in found[0], found


def test_all_problems_are_reported_at_once(tmp_path):
    found = problems({}, tmp_path)
    assert sorted(p.split(" ")[0] for p in found) == ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_DISCOVERY_URL",
                                                       "SECRET_KEY"]


def test_loopback_http_is_accepted_for_local_providers_and_apps(environ, tmp_path):
    s = settings(environ, tmp_path, OIDC_DISCOVERY_URL="http://127.0.0.1:9229/pool/.well-known/openid-configuration",
                 APP_BASE_URL="http://127.0.0.1:5000")
    assert s.provider.issuer == "http://127.0.0.1:9229/pool" and not s.secure_cookies


def test_a_bad_setting_stops_start_up_with_a_message_and_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "COGNITO_", "SECRET_KEY", "APP_"))}
    env.update(OIDC_CLIENT_ID="abc", SECRET_KEY="", OIDC_DISCOVERY_URL="")  # empty wins over a developer's .env
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Configuration error" in result.stderr and "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


PROVIDERS_TOML = """
[providers.staff]
label = "Staff pool"
region = "eu-west-1"
user_pool_id = "eu-west-1_Staff1"
client_id = "staffclient"
client_secret_env = "STAFF_CLIENT_SECRET"

[providers.partners]
discovery_url = "https://login.partners.example.com/.well-known/openid-configuration"
client_id = "partnerclient"
client_secret = "partner-secret"
client_auth_method = "client_secret_basic"
scopes = ["openid", "email"]
logout_style = "oidc"
"""


def test_a_providers_file_adds_providers_after_the_env_one(environ, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(PROVIDERS_TOML)
    s = settings(environ, tmp_path, OIDC_PROVIDERS_FILE=str(path), STAFF_CLIENT_SECRET="staff-secret")
    assert [p.alias for p in s.providers] == ["cognito", "staff", "partners"]
    staff, partners = s.providers[1], s.providers[2]
    assert staff.label == "Staff pool" and staff.client_secret == "staff-secret"
    assert staff.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Staff1"
    assert partners.label == "Partners" and partners.scopes == ("openid", "email")
    assert partners.client_auth_method == "client_secret_basic" and partners.logout_style == "oidc"
    assert [p.api_client_ids for p in s.providers] == [{environ["OIDC_CLIENT_ID"]}, {"staffclient"}, {"partnerclient"}]


def test_api_client_ids_and_audience_are_each_providers_own(environ, tmp_path):
    """API_CLIENT_IDS and API_AUDIENCE are the OIDC_* provider's; a file's provider has its own, or its client only."""
    path = tmp_path / "providers.toml"
    path.write_text(PROVIDERS_TOML.replace('client_id = "partnerclient"\n', 'client_id = "partnerclient"\n'
                                           'api_client_ids = ["partnerclient", "partner-machine"]\n'
                                           'api_audience = "urn:orders"\n'))
    s = settings(environ, tmp_path, OIDC_PROVIDERS_FILE=str(path), STAFF_CLIENT_SECRET="staff-secret",
                 API_CLIENT_IDS=f"{environ['OIDC_CLIENT_ID']} cognito-machine", API_AUDIENCE="urn:cognito-api")
    cognito, staff, partners = s.providers
    assert cognito.api_client_ids == {environ["OIDC_CLIENT_ID"], "cognito-machine"}
    assert cognito.api_audience == {"urn:cognito-api"}
    assert (staff.api_client_ids, staff.api_audience) == ({"staffclient"}, frozenset())
    assert (partners.api_client_ids, partners.api_audience) == ({"partnerclient", "partner-machine"}, {"urn:orders"})


@pytest.mark.parametrize("name, key", [("API_CLIENT_IDS", "api_client_ids"), ("API_AUDIENCE", "api_audience")])
def test_api_settings_without_an_oidc_provider_name_the_file_key(environ, tmp_path, name, key):
    path = tmp_path / "providers.toml"
    path.write_text(PROVIDERS_TOML)
    without_env_provider = {k: v for k, v in environ.items() if not k.startswith("OIDC_")}
    found = problems(without_env_provider, tmp_path, OIDC_PROVIDERS_FILE=str(path), STAFF_CLIENT_SECRET="s",
                     **{name: "some-value"})
    assert found == [f"{name} is for the provider of the OIDC_* settings, and there is none: set {key} in the "
                     "tables of OIDC_PROVIDERS_FILE instead."]


def test_email_domains_are_a_providers_file_tables_and_lower_cased(environ, tmp_path):
    path = tmp_path / "providers.toml"
    path.write_text(PROVIDERS_TOML.replace('client_id = "staffclient"\n',
                                           'client_id = "staffclient"\nemail_domains = ["Staff.example", "x.example"]\n'))
    cognito, staff, partners = settings(environ, tmp_path, OIDC_PROVIDERS_FILE=str(path),
                                        STAFF_CLIENT_SECRET="s").providers
    assert staff.email_domains == {"staff.example", "x.example"}
    assert cognito.email_domains == partners.email_domains == frozenset()


def test_a_providers_file_alone_is_enough(environ, tmp_path):
    path = tmp_path / "providers.json"
    path.write_text('{"providers": {"partners": {"discovery_url": '
                    '"https://login.partners.example.com/.well-known/openid-configuration", '
                    '"client_id": "p", "client_secret": "s"}}}')
    without_env_provider = {k: v for k, v in environ.items() if not k.startswith("OIDC_")}
    s = settings(without_env_provider, tmp_path, OIDC_PROVIDERS_FILE=str(path))
    assert [p.alias for p in s.providers] == ["partners"] and s.provider.alias == "partners"


@pytest.mark.parametrize(
    "text, named",
    [
        pytest.param("[providers.staff]\nclient_id = 'x'\nclient_secret = 'y'\n",
                     "providers.toml [providers.staff] discovery_url is not set", id="no-discovery"),
        pytest.param("[providers.staff]\nregion = 'eu-west-1'\nuser_pool_id = 'eu-west-1_A'\nclient_id = 'x'\n"
                     "client_secret_env = 'MISSING_SECRET'\n",
                     "client_secret_env (MISSING_SECRET) is not set", id="secret-env-unset"),
        pytest.param("[providers.staff]\nregion = 'eu-west-1'\nuser_pool_id = 'eu-west-1_A'\nclient_id = 'x'\n"
                     "client_secret = 'y'\nclient_sercet = 'typo'\n", "unknown setting(s) client_sercet", id="typo"),
        pytest.param("[providers.cognito]\nregion = 'eu-west-1'\nuser_pool_id = 'eu-west-1_A'\nclient_id = 'x'\n"
                     "client_secret = 'y'\n", "alias 'cognito' is used twice", id="duplicate-alias"),
        pytest.param("[providers.\"Bad Alias\"]\nclient_id = 'x'\n", "alias must be", id="bad-alias"),
        pytest.param("[providers.staff]\nregion = 'eu-west-1'\nuser_pool_id = 'eu-west-1_A'\nclient_id = 'x'\n"
                     "client_secret = 'y'\nemail_domains = ['@acme.example']\n",
                     "[providers.staff] email_domains=['@acme.example'] must be a list of domain names",
                     id="email-domain-with-at"),
        pytest.param("[providers.a]\nregion = 'eu-west-1'\nuser_pool_id = 'eu-west-1_A'\nclient_id = 'x'\n"
                     "client_secret = 'y'\nemail_domains = ['acme.example']\n"
                     "[providers.b]\nregion = 'eu-west-1'\nuser_pool_id = 'eu-west-1_B'\nclient_id = 'x'\n"
                     "client_secret = 'y'\nemail_domains = 'ACME.example'\n",
                     "email domain 'acme.example' is in the email_domains of both [providers.a] and [providers.b]",
                     id="email-domain-of-two-providers"),
        pytest.param("providers = 3\n", "has no providers table", id="no-table"),
        pytest.param("[providers.staff\n", "cannot be read", id="not-toml"),
    ],
)
def test_providers_file_problems_name_the_file_and_key(environ, tmp_path, text, named):
    path = tmp_path / "providers.toml"
    path.write_text(text)
    found = problems(environ, tmp_path, OIDC_PROVIDERS_FILE=str(path))
    assert any(named in problem for problem in found), found


def test_a_missing_providers_file_is_reported(environ, tmp_path):
    found = problems(environ, tmp_path, OIDC_PROVIDERS_FILE=str(tmp_path / "nope.toml"))
    assert "cannot be read" in found[0]


def test_the_example_providers_file_is_valid(environ, tmp_path):
    s = settings(environ, tmp_path, OIDC_PROVIDERS_FILE=str(Path(__file__).parent.parent / "providers.example.toml"),
                 STAFF_CLIENT_SECRET="a", PARTNERS_CLIENT_SECRET="b")
    assert [p.alias for p in s.providers] == ["cognito", "staff", "partners"]


def names_in(text: str, pattern: str) -> set[str]:
    import re as regex

    return set(regex.findall(pattern, text, regex.M))


def test_the_host_config_and_the_example_env_file_name_every_setting_the_extension_reads():
    """settings.py, the host's config.py and .env.example list the same settings; .env.example adds
    only what gunicorn.conf.py, boto3, the commands and `make run` read from the environment themselves."""
    read = names_in((ROOT / "flask_cognito_signin" / "settings.py").read_text(), r'"([A-Z][A-Z0-9_]{3,})"')
    read -= {"DISCOVERY_SUFFIX"}
    documented = names_in((ROOT / ".env.example").read_text(), r"^#? ?([A-Z][A-Z0-9_]+)=")
    served = names_in((ROOT / "gunicorn.conf.py").read_text(), r'os\.environ\.get\("([A-Z][A-Z0-9_]+)"')
    launcher = {"DEVIDP_CONFIG"}  # scripts/run_local.py
    commands = {"COGNITO_TEST_USER_PASSWORD"}  # flask cognito provision, from the environment itself
    aws = {name for name in documented if name.startswith("AWS_")}  # boto3's own
    assert set(host_config.SETTINGS) == read
    assert documented - served - launcher - commands - aws == read


def test_the_host_config_takes_the_real_environment_over_the_env_file(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("OIDC_CLIENT_ID=from-the-file\nOIDC_SCOPES=openid email\nUNRELATED=x\n")
    monkeypatch.setattr(host_config, "ENV_FILE", env_file)
    monkeypatch.setenv("OIDC_CLIENT_ID", "from-the-environment")
    monkeypatch.setenv("STAFF_CLIENT_SECRET", "a providers file's secret")
    monkeypatch.delenv("OIDC_SCOPES", raising=False)
    monkeypatch.delenv("SESSION_MAX_AGE", raising=False)
    app = Flask(__name__)
    app.config.from_object(host_config.Config())
    assert app.config["OIDC_CLIENT_ID"] == "from-the-environment"
    assert app.config["OIDC_SCOPES"] == "openid email"
    assert app.config["STAFF_CLIENT_SECRET"] == "a providers file's secret"
    assert app.config["SESSION_MAX_AGE"] is None  # unset: the extension's default
    assert "UNRELATED" not in app.config and "PATH" not in app.config


def test_a_given_mapping_is_read_alone():
    config = host_config.Config({"OIDC_CLIENT_ID": "given", "HOME": "/root"})
    assert config.OIDC_CLIENT_ID == "given" and config.SECRET_KEY is None and not hasattr(config, "HOME")


# Signed in by the load balancer (COGNITO_SIGNIN_MODE=alb) ----------------------------------------

ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/rp-alb/50dc6c495c0c9188"


def test_the_app_signs_people_in_itself_by_default(environ, tmp_path):
    assert settings(environ, tmp_path).load_balancer is None


def test_alb_mode_reads_the_arn_and_derives_the_keys_url_from_its_region(environ, tmp_path):
    s = settings(environ, tmp_path, COGNITO_SIGNIN_MODE="alb", ALB_ARN=ALB_ARN, OIDC_CLIENT_SECRET=None)
    assert s.load_balancer.arn == ALB_ARN
    assert s.load_balancer.public_keys_url == "https://public-keys.auth.elb.eu-west-1.amazonaws.com"
    assert s.load_balancer.session_cookie == "AWSELBAuthSessionCookie"
    assert s.provider.client_secret == "", "the ALB holds the app client's secret; the app never uses it"
    assert s.redirect_uri == "https://rp.example.com/oauth2/idpresponse", "the callback URL to register is the ALB's"


def test_govcloud_albs_publish_their_keys_elsewhere(environ, tmp_path):
    arn = ALB_ARN.replace("arn:aws:", "arn:aws-us-gov:").replace("eu-west-1", "us-gov-west-1")
    s = settings(environ, tmp_path, COGNITO_SIGNIN_MODE="alb", ALB_ARN=arn)
    assert s.load_balancer.public_keys_url == \
        "https://s3-us-gov-west-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-west-1"


def test_the_keys_url_may_be_set_and_loses_its_trailing_slash(environ, tmp_path):
    s = settings(environ, tmp_path, COGNITO_SIGNIN_MODE="alb", ALB_ARN=ALB_ARN,
                 ALB_PUBLIC_KEYS_URL="http://127.0.0.1:9229/elb-public-keys/", ALB_SESSION_COOKIE="MyAppAuth")
    assert (s.load_balancer.public_keys_url, s.load_balancer.session_cookie) == \
        ("http://127.0.0.1:9229/elb-public-keys", "MyAppAuth")


@pytest.mark.parametrize(
    "changes, named",
    [
        pytest.param({"ALB_ARN": None}, "ALB_ARN is not set", id="no-arn"),
        pytest.param({"ALB_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/50dc6c495c0c9188"},
                     "is not an Application Load Balancer ARN", id="target-group-arn"),
        pytest.param({"ALB_ARN": ALB_ARN.replace("eu-west-1", "cn-north-1").replace("arn:aws:", "arn:aws-cn:")},
                     "ALB_PUBLIC_KEYS_URL is not set: in the aws-cn partition", id="china-needs-the-url"),
        pytest.param({"ALB_PUBLIC_KEYS_URL": "http://keys.example.com"}, "ALB_PUBLIC_KEYS_URL=", id="http-keys-url"),
        pytest.param({"ALB_PUBLIC_KEYS_URL": "https://keys.example.com/?kid=1"}, "without query", id="keys-url-query"),
        pytest.param({"ALB_SESSION_COOKIE": "my cookie;"}, "SessionCookieName", id="bad-cookie-name"),
        pytest.param({"OIDC_PROVIDERS_FILE": "providers.toml"}, "cannot be used with COGNITO_SIGNIN_MODE=alb",
                     id="providers-file"),
        pytest.param({"COGNITO_SIGNIN_MODE": "ALB"}, "COGNITO_SIGNIN_MODE='ALB' is not supported", id="bad-mode"),
    ],
)
def test_each_alb_problem_names_the_setting(environ, tmp_path, changes, named):
    alb = {"COGNITO_SIGNIN_MODE": "alb", "ALB_ARN": ALB_ARN}
    found = problems(environ, tmp_path, **{**alb, **changes})
    assert any(named in problem for problem in found), found


@pytest.mark.parametrize("name", ["ALB_ARN", "ALB_PUBLIC_KEYS_URL", "ALB_SESSION_COOKIE"])
def test_alb_settings_without_alb_mode_are_reported_not_ignored(environ, tmp_path, name):
    assert problems(environ, tmp_path, **{name: "x"}) == [
        f"{name} is read only with COGNITO_SIGNIN_MODE=alb: set that too, or remove {name}."]


def test_the_client_secret_is_still_required_when_the_app_signs_people_in(environ, tmp_path):
    assert "OIDC_CLIENT_SECRET is not set" in problems(environ, tmp_path, OIDC_CLIENT_SECRET=None)[0]
