"""The provider's HTTP sessions read the proxy and CA-bundle variables once per origin, with requests' own answers."""

from __future__ import annotations

import pytest
import requests

from flask_cognito_signin.oidc import http
from flask_cognito_signin.oidc.http import ProviderOAuth2Session, ProviderSession

URLS = [
    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool/.well-known/jwks.json",
    "https://example.auth.us-east-1.amazoncognito.com/oauth2/token",
    "http://127.0.0.1:9229/us-east-1_Pool/.well-known/openid-configuration",
]


@pytest.fixture(autouse=True)
def forgotten(monkeypatch):
    """Each test starts with nothing remembered, under an environment of its own."""
    monkeypatch.setattr(http.EnvironmentReadOnce, "_by_origin", {})
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("session_class", [ProviderSession, ProviderOAuth2Session])
def test_the_answer_is_requests_own_for_every_origin(monkeypatch, session_class):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,.amazonaws.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    ours, plain = session_class(), requests.Session()
    for url in URLS:
        expected = plain.merge_environment_settings(url, {}, None, None, None)
        assert ours.merge_environment_settings(url, {}, None, None, None) == expected  # first: read
        assert ours.merge_environment_settings(url, {}, None, None, None) == expected  # then: remembered
    assert ours.merge_environment_settings(URLS[1], {}, None, None, None)["proxies"]["https"] == \
        "http://proxy.internal:3128"
    assert "https" not in ours.merge_environment_settings(URLS[0], {}, None, None, None)["proxies"]  # NO_PROXY


def test_the_environment_is_read_once_per_origin(monkeypatch):
    reads = []
    real = requests.utils.get_environ_proxies
    monkeypatch.setattr(requests.sessions, "get_environ_proxies",
                        lambda url, no_proxy=None: reads.append(url) or real(url, no_proxy))
    session = ProviderSession()
    for _ in range(3):
        for url in URLS[:2]:
            session.merge_environment_settings(url, {}, None, None, None)
    assert reads == URLS[:2]


def test_a_caller_s_own_settings_take_requests_path(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    session = ProviderSession()
    session.merge_environment_settings(URLS[1], {}, None, None, None)
    own = session.merge_environment_settings(URLS[1], {"https": "http://other:8080"}, None, "/tmp/ca.pem", None)
    assert (own["proxies"]["https"], own["verify"]) == ("http://other:8080", "/tmp/ca.pem")


def test_what_a_caller_changes_in_the_answer_is_not_remembered():
    session = ProviderSession()
    session.merge_environment_settings(URLS[1], {}, None, None, None)["proxies"]["https"] = "http://planted:1"
    assert "https" not in session.merge_environment_settings(URLS[1], {}, None, None, None)["proxies"]
