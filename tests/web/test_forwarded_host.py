"""X-Forwarded-Host is believed only when a setting says the trusted proxies set it (an ALB does not)."""

from __future__ import annotations

import pytest
from flask import request

from flask_cognito_signin.settings import ConfigError


def host_seen(app, headers: dict[str, str]) -> str:
    @app.get("/host-seen")
    def host() -> str:
        return request.host

    return app.test_client().get("/host-seen", headers=headers).get_data(as_text=True)


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example.com", "X-Forwarded-Proto": "https"}


def test_one_trusted_proxy_does_not_make_a_clients_forwarded_host_believed(make_app, idp):
    assert host_seen(make_app(TRUSTED_PROXY_COUNT="1"), FORWARDED) == "rp.example.com"


def test_trust_forwarded_host_believes_the_proxys_host(make_app, idp):
    app = make_app(TRUSTED_PROXY_COUNT="1", TRUST_FORWARDED_HOST="true")
    assert host_seen(app, FORWARDED) == "evil.example.com"


def test_trust_forwarded_host_must_be_true_or_false(make_app):
    with pytest.raises(ConfigError, match="TRUST_FORWARDED_HOST='yes' must be true or false"):
        make_app(TRUST_FORWARDED_HOST="yes")
