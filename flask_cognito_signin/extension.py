"""CognitoSignIn: the Flask extension object, bound to an app by `init_app`, as flask-login's LoginManager is.

It reads and validates its settings from `app.config` and keeps what it builds in
`app.extensions["cognito_signin"]`. It takes over only what sign-in needs: the session
interface (server-side; `flask.session` still works as a dict), its blueprint, error
handlers for its own exceptions, before-request hooks that identify the caller and ask the
API's cookie-authenticated writes (and, with `protect_forms=True`, the host's forms) for the
CSRF token, the template helpers `current_user` and `csrf_token`, the `flask cognito` /
`flask oidc` commands, and a filter on the `werkzeug` and `gunicorn.access` loggers that keeps
the callback's code and state out of access logs; with METRICS_TOKEN set, also /metrics and a
WSGI middleware timing each request. The host's routes, error handlers, JSON provider, request
class and headers are left alone.
"""

from __future__ import annotations

import click
from flask import Flask

from . import cli
from .alb import LoadBalancerSignIn
from .auth_records import AuthRecords
from .authz import current_user, identify_request
from .oidc import Provider
from .pending_sign_ins import PendingSignIns
from .sessions import ServerSideSessionInterface, open_store
from .settings import CALLBACK_PATH, ConfigError, Settings
from .state import EXTENSION_KEY, SignInState, Unconfigured
from .web import access_log, auth, csrf, errors


class CognitoSignIn:
    """Sign in with Cognito (or any OpenID provider) for one or more Flask apps.

    `url_prefix` moves the sign-in routes (and with them the redirect URI to register) under
    a path such as /auth; `api_prefix` names the paths where guards answer JSON and Bearer
    access tokens are accepted; `settings_from` says, in error messages, where a missing
    setting is to be set. `protect_forms=True` asks every POST, PUT, PATCH and DELETE of the
    host's own views for the token `csrf_token()` gives templates (off by default: the host's
    forms are the host's until it says so, in its code, since its templates must carry the token).
    """

    def __init__(self, app: Flask | None = None, *, url_prefix: str = "", api_prefix: str = "/api/",
                 settings_from: str = "in app.config", protect_forms: bool = False):
        self.url_prefix = url_prefix
        self.api_prefix = api_prefix
        self.settings_from = settings_from
        self.protect_forms = protect_forms
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the settings in app.config and set the app up; raises ConfigError naming every problem.

        Under a `flask` command other than `run` a configuration error is kept instead (the
        commands, `flask cognito provision` first, are how a configuration gets written).
        """
        cli.init_app(app)
        try:
            settings = Settings.from_mapping(
                app.config, app.instance_path, url_prefix=self.url_prefix, api_prefix=self.api_prefix,
                source=self.settings_from,
            )
        except ConfigError as error:
            if not _running_a_cli_command():
                raise
            app.extensions[EXTENSION_KEY] = Unconfigured(error, self.url_prefix, self.api_prefix, self.settings_from)
            return
        # Flask-WTF's token for the sign-out form lives as long as the session; the https Referer
        # check is not used (Referrer-Policy: no-referrer, since the callback URL holds the code).
        app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
        store = open_store(settings.session_store_url)
        # __Host- cookies must be Secure, host-only and for path /: nothing else can set or read them.
        https = settings.secure_cookies
        app.session_interface = ServerSideSessionInterface(
            store, settings.secret_key, settings.session_idle_timeout,
            cookie_name="__Host-cognito_session" if https else "cognito_session", secure=https,
        )
        providers = {provider.alias: Provider(provider, settings.http_timeout) for provider in settings.providers}
        app.extensions[EXTENSION_KEY] = SignInState(
            settings=settings,
            providers=providers,
            store=store,
            auth_records=AuthRecords(store),
            pending_sign_ins=PendingSignIns(settings.secret_key, secure=https),
            load_balancer=LoadBalancerSignIn(settings.load_balancer, next(iter(providers.values())),
                                             settings.http_timeout) if settings.load_balancer else None,
        )
        if settings.metrics_token:
            _enable_metrics(app)
        app.register_blueprint(auth.bp, url_prefix=settings.url_prefix or None)
        access_log.keep_out_of_access_logs(settings.url_prefix + CALLBACK_PATH)
        errors.init_app(app)
        app.before_request(identify_request)
        app.before_request(csrf.protect_api_writes)
        if self.protect_forms:
            app.before_request(csrf.protect_host_forms)
        app.context_processor(_template_helpers)


def _enable_metrics(app: Flask) -> None:
    """/metrics and the counting behind it: imported only here, so prometheus-client stays an extra."""
    try:
        from . import metrics
    except ModuleNotFoundError as error:
        if error.name != "prometheus_client":
            raise
        raise ConfigError(["METRICS_TOKEN is set, but prometheus-client is not installed: "
                           "pip install 'flask-cognito-signin[metrics]'."]) from error
    metrics.init_app(app)


def _template_helpers() -> dict[str, object]:
    return {"current_user": current_user, "csrf_token": csrf.generate_csrf}


def _running_a_cli_command() -> bool:
    context = click.get_current_context(silent=True)
    return context is not None and context.info_name != "run"
