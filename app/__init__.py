"""The example host of the flask_cognito_signin extension: `create_app()` builds it; `wsgi.py` serves it.

This is the whole of what an app of your own needs (settings in app.config, then
CognitoSignIn(app)), plus what this app opts in to on top: settings from the environment and
`.env` (the config object of the top-level config.py), the session page, /admin, /api/me, health
checks, strict headers on every page, orjson answers, JSON log lines and the cookie-parsing
request class.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from flask_cognito_signin import CognitoSignIn, ConfigError
from flask_cognito_signin.state import signin_state

from . import events, web
from .middleware import RequestIdsAndHeaders

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from `environ`; by default the process environment over `.env` (real env wins).

    Raises ConfigError naming every missing or malformed setting, except under a `flask` CLI
    command other than `run` (see CognitoSignIn.init_app).
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(Config(environ))
    CognitoSignIn(app, settings_from="in .env or the environment; see .env.example")
    try:
        settings = signin_state(app).settings
    except ConfigError:  # under a `flask` command (see CognitoSignIn.init_app): the commands alone
        return app
    https = settings.secure_cookies
    app.config.update(PREFERRED_URL_SCHEME="https" if https else "http", MAX_CONTENT_LENGTH=64 * 1024)
    if settings.trusted_proxy_count:
        # Werkzeug's ProxyFix believes X-Forwarded-For/Proto/Port only from as many hops as are
        # configured, and X-Forwarded-Host only when asked: an ALB passes a client's through
        # untouched. The redirect URI and the cookie's Secure flag come from APP_BASE_URL either way.
        count = settings.trusted_proxy_count
        hosts = count if settings.trust_forwarded_host else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=hosts, x_port=count)
    events.init_app()
    web.init_app(app)
    app.wsgi_app = RequestIdsAndHeaders(app.wsgi_app, https)
    return app
