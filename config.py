"""The example host's settings: the config object that `create_app` loads with `app.config.from_object`.

Each value comes from the environment, over `.env` beside this file (the real environment
wins), the way Flask's documentation keeps configuration out of the code. The names are the
extension's (docs/settings.md): `flask_cognito_signin.settings` validates them and names every
problem at start-up. A setting left unset stays None here and takes the extension's default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import load_dotenv

ENV_FILE = Path(__file__).resolve().parent / ".env"

#: Every setting the host passes on, in the order of .env.example.
SETTINGS = (
    # Required
    "SECRET_KEY",
    "OIDC_DISCOVERY_URL", "COGNITO_REGION", "COGNITO_USER_POOL_ID",
    "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET",
    "APP_BASE_URL",
    # The provider, with defaults
    "OIDC_CLIENT_AUTH_METHOD", "OIDC_SCOPES", "COGNITO_DOMAIN", "OIDC_LOGOUT_STYLE", "OIDC_USERINFO",
    "OIDC_HTTP_TIMEOUT", "OIDC_PROVIDERS_FILE",
    # Sessions
    "SESSION_STORE_URL", "SESSION_IDLE_TIMEOUT", "SESSION_MAX_AGE", "TOKEN_REFRESH_MARGIN", "FRESH_LOGIN_MAX_AGE",
    # Bearer tokens on /api/*
    "API_CLIENT_IDS", "API_REQUIRED_SCOPES", "API_AUDIENCE",
    # Proxies in front
    "TRUSTED_PROXY_COUNT", "TRUST_FORWARDED_HOST",
    # Signed in by the load balancer (docs/alb.md)
    "COGNITO_SIGNIN_MODE", "ALB_ARN", "ALB_PUBLIC_KEYS_URL", "ALB_SESSION_COOKIE",
    # Metrics
    "METRICS_TOKEN",
)
#: A providers file names its clients' secrets by variable (`client_secret_env`); by convention
#: they end in this, and only those variables of the environment join the settings.
PROVIDER_SECRET_SUFFIX = "_SECRET"


class Config:
    """`Config()` reads the process environment over `.env`; `Config(environ)` reads `environ` alone
    (tests, and hosts that build their settings elsewhere). Nothing else of the environment is taken."""

    def __init__(self, environ: Mapping[str, str] | None = None):
        if environ is None:
            load_dotenv(ENV_FILE, override=False)
            environ = os.environ
        for name in SETTINGS:
            setattr(self, name, environ.get(name))
        for name, value in environ.items():
            if name.endswith(PROVIDER_SECRET_SUFFIX) and name.isupper():
                setattr(self, name, value)
