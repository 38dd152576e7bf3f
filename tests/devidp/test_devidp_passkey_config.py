"""The pool's passkey settings: Cognito's AllowedFirstAuthFactors, WebAuthnRelyingPartyID and
WebAuthnUserVerification, checked when the pool is read, with the rp id against the pool's domain.

Cognito API reference, SignInPolicyType and WebAuthnConfigurationType; W3C Web Authentication
section 5.1.3 (an rp id is the origin's host or a domain it is under, never an IP address).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from devidp import start_server
from devidp.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent.parent
PASSKEYS = ("PASSWORD", "WEB_AUTHN")


def with_passkeys(pool, **changes):
    return replace(pool, allowed_first_auth_factors=PASSKEYS, **changes)


def test_the_rp_id_defaults_to_the_pool_domains_host(make_emulator, pool):
    apps = make_emulator(with_passkeys(pool), domain_url="http://localhost:9230")
    assert apps.emulator.relying_party_id == "localhost"
    assert make_emulator(pool).emulator.relying_party_id is None  # the demo pool offers no passkeys


@pytest.mark.parametrize(("domain", "rp_id"), [
    ("https://auth.example.com", "auth.example.com"),
    ("https://auth.example.com", "example.com"),
    ("http://app.localhost:9230", "localhost"),
])
def test_an_rp_id_is_the_domains_host_or_a_domain_above_it(pool, domain, rp_id):
    assert with_passkeys(pool, domain_url=domain, webauthn_relying_party_id=rp_id).relying_party_id(domain) == rp_id


@pytest.mark.parametrize(("changes", "message"), [
    ({"domain_url": "https://auth.example.com", "webauthn_relying_party_id": "other.example"},
     "webauthn_relying_party_id: 'other.example' must be the pool domain's host 'auth.example.com' or a domain it is under"),
    ({"domain_url": "https://auth.example.com", "webauthn_relying_party_id": "ple.com"},
     "must be the pool domain's host"),
    ({"domain_url": "http://127.0.0.1:9230"}, "'127.0.0.1' is an IP address, which WebAuthn does not take"),
    ({"domain_url": "http://auth.example.test:9230"}, "browsers offer passkeys only on https or http://localhost"),
    ({"webauthn_relying_party_id": "https://auth.example.com"}, "is not a domain name like auth.example.com"),
    ({"webauthn_relying_party_id": "Auth.Example.com"}, "is not a domain name"),
    ({"webauthn_relying_party_id": "localhost:9230"}, "is not a domain name"),
    ({"webauthn_user_verification": "discouraged"}, "webauthn_user_verification: must be one of ['preferred', 'required']"),
])
def test_bad_passkey_settings_name_the_field(pool, changes, message):
    with pytest.raises(ConfigError) as refused:
        with_passkeys(pool, **changes)
    assert message in str(refused.value)


def test_a_pool_with_passkeys_serves_its_domain_on_localhost_unless_told_otherwise(make_emulator, pool, instance_dir):
    """127.0.0.1, the emulator's default host, is no rp id; localhost is the same loopback, and a secure context."""
    assert make_emulator(with_passkeys(pool)).emulator.domain_url == "http://localhost:9230"
    with start_server(with_passkeys(pool), instance_path=instance_dir) as served:
        assert served.domain_url == f"http://localhost:{served.domain_port}"
        assert served.apps.emulator.relying_party_id == "localhost"
    with pytest.raises(ConfigError, match="is an IP address"):
        make_emulator(with_passkeys(pool), domain_url="http://127.0.0.1:9230")


@pytest.mark.parametrize("factors", [["WEB_AUTHN"], ["PASSWORD", "EMAIL_OTP"], ["PASSWORD", "PASSWORD"], "PASSWORD"])
def test_the_factors_are_cognitos_names_with_the_password(pool, factors):
    data = {"pool_id": pool.pool_id, "users": [{"username": "a", "password": "APass123!"}],
            "clients": [{"client_id": "c1", "callback_urls": ["http://localhost/cb"]}],
            "allowed_first_auth_factors": factors}
    with pytest.raises(ConfigError, match="allowed_first_auth_factors: must be a list from"):
        parse_config(data)


def test_a_pool_file_turns_passkeys_on(tmp_path):
    text = DEFAULT_CONFIG_PATH.read_text().replace(
        'pool_id = "us-east-1_DevPool01"\n',
        'pool_id = "us-east-1_DevPool01"\ndomain_url = "http://localhost:9230"\n'
        'allowed_first_auth_factors = ["PASSWORD", "WEB_AUTHN"]\nwebauthn_user_verification = "required"\n')
    path = tmp_path / "pool.toml"
    path.write_text(text)
    loaded = load_config(path)
    assert loaded.passkeys_enabled and loaded.webauthn_user_verification == "required"
    assert loaded.relying_party_id(loaded.domain_url) == "localhost"


def test_passkeys_without_py_webauthn_name_the_extra(pool, monkeypatch):
    monkeypatch.setitem(sys.modules, "webauthn", None)  # as when it is not installed
    with pytest.raises(ConfigError) as refused:
        with_passkeys(pool, domain_url="http://localhost:9230")
    assert "pip install 'flask-cognito-signin[emulator-passkeys]'" in str(refused.value)
    assert not replace(pool).passkeys_enabled  # checked again without it: a pool without passkeys never needs it


_WITHOUT_WEBAUTHN = """
import pkgutil, sys
sys.modules["webauthn"] = None
import devidp
for module in pkgutil.walk_packages(devidp.__path__, "devidp."):
    if module.name != "devidp.__main__":
        __import__(module.name)
from devidp import create_apps
from devidp import start_server
from devidp.config import DEFAULT_CONFIG_PATH, load_config
create_apps(load_config(DEFAULT_CONFIG_PATH), instance_path=sys.argv[1])
print("served without webauthn")
"""


def test_no_module_of_the_emulator_needs_py_webauthn_to_import_or_serve_the_demo_pool(tmp_path):
    result = subprocess.run([sys.executable, "-c", _WITHOUT_WEBAUTHN, str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "served without webauthn", result.stderr
