"""The relying party: `create_app()` builds it from settings; `wsgi.py` serves it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import click
from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigError, Settings

from . import cli, events, web
from .auth_records import AuthRecords
from .oidc import Provider
from .sessions import ServerSideSessionInterface, open_store

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app from `environ`; by default the process environment over `.env` (real env wins).

    Raises config.ConfigError naming every missing or malformed setting, except under a
    `flask` CLI command other than `run`: then the app holds only the commands (and the
    error, in config["CONFIG_ERROR"]), since `flask cognito provision` is how a first
    configuration gets written.
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    cli.init_app(app)
    if environ is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        environ = os.environ
    try:
        settings = Settings.from_environ(environ, app.instance_path)
    except ConfigError as error:
        if not _running_a_cli_command():
            raise
        app.config["CONFIG_ERROR"] = error
        return app
    https = settings.secure_cookies
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        # __Host- cookies must be Secure, host-only and for path /: nothing else can set or read them.
        SESSION_COOKIE_NAME="__Host-cognito_session" if https else "cognito_session",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PREFERRED_URL_SCHEME="https" if https else "http",
        MAX_CONTENT_LENGTH=64 * 1024,
        # The CSRF token lives as long as the session. Flask-WTF's https Referer check is off
        # because Referrer-Policy: no-referrer (the callback URL holds the code) means no Referer.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )
    store = open_store(settings.session_store_url)
    app.extensions["session_store"] = store
    app.extensions["auth_records"] = AuthRecords(store)
    app.session_interface = ServerSideSessionInterface(store, settings.secret_key, settings.session_idle_timeout)
    app.extensions["oidc_providers"] = {
        provider.alias: Provider(provider, settings.http_timeout) for provider in settings.providers
    }
    if settings.trusted_proxy_count:
        # Werkzeug's ProxyFix believes X-Forwarded-For/Proto/Port only from as many hops as are
        # configured, and X-Forwarded-Host only when asked: an ALB passes a client's through
        # untouched. The redirect URI and the cookie's Secure flag come from APP_BASE_URL either way.
        count = settings.trusted_proxy_count
        hosts = count if settings.trust_forwarded_host else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=hosts, x_port=count)
    events.init_app(app)
    web.init_app(app, https=https)
    return app


def _running_a_cli_command() -> bool:
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"
