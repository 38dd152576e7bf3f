"""The sign-in blueprint: /login, /login/<alias>, the callback, /logout and /logout/everywhere, thin views over oidc/ and the user session.

Its pages (the provider choice, errors) are templates under cognito_signin/, which a host
app overrides by putting its own of the same name in its templates folder.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request
from werkzeug.wrappers import Response

from flask_cognito_signin.auth_records import AuthRecord
from flask_cognito_signin.events import log_event
from flask_cognito_signin.oidc import InvalidCallback, OIDCError, Provider
from flask_cognito_signin.oidc.signin import begin_sign_in, complete_sign_in
from flask_cognito_signin.oidc.signout import logout_url
from flask_cognito_signin.settings import CALLBACK_PATH, is_loopback_host
from flask_cognito_signin.sign_out import revoke_quietly, sign_out_everywhere
from flask_cognito_signin.state import signin_state
from flask_cognito_signin.user_session import current_user_session

from . import csrf, headers, load_balancer
from .return_to import safe_return_to

bp = Blueprint(
    "cognito_signin", __name__, template_folder="../templates", static_folder="../static",
    static_url_path="/cognito-signin/static",
)
bp.after_request(headers.protect)


def _providers() -> dict[str, Provider]:
    return signin_state().providers


@bp.get("/login")
@bp.get("/login/<alias>")
def login(alias: str | None = None) -> Response | str:
    """Start a sign-in with the provider named by alias; with several providers and none named, let the user pick."""
    settings = signin_state().settings
    canonical = _canonical_login_url(settings.app_base_url)
    if canonical:
        return redirect(canonical)
    providers = _providers()
    return_to = safe_return_to(request.args.get("next"))
    if settings.load_balancer is not None:  # the ALB signs people in, never the app itself
        return load_balancer.login(return_to)
    if alias is None and len(providers) > 1:
        return render_template("cognito_signin/choose.html", providers=providers.values(), next_path=return_to)
    provider = providers.get(alias) if alias else next(iter(providers.values()))
    if provider is None:
        abort(404, description=f"No identity provider is called {alias!r}.")
    authorization_url, pending = begin_sign_in(provider, settings.redirect_uri, return_to)
    current_user_session().remember_pending(pending)
    log_event("login_started", provider=provider.alias)
    return redirect(authorization_url)


def _canonical_login_url(app_base_url: str) -> str | None:
    """On a developer machine, move /login from 127.0.0.1 to localhost (or back) to match APP_BASE_URL.

    The session cookie is set on the host that serves /login, and the provider sends the
    browser back to APP_BASE_URL's host: they must be the same or the callback finds no
    session. Limited to loopback names, so a proxy that rewrites Host cannot cause a loop.
    """
    base = urlsplit(app_base_url)
    if request.host != base.netloc and is_loopback_host(request.host.rsplit(":", 1)[0].strip("[]")) and \
            is_loopback_host(base.hostname):
        return app_base_url + request.full_path.rstrip("?")
    return None


@bp.get(CALLBACK_PATH)
def callback() -> Response:
    state = request.args.get("state")
    if not state:
        raise InvalidCallback("callback has no state")
    user_session = current_user_session()
    pending = user_session.take_pending(state)
    if pending is None:
        raise InvalidCallback("state is unknown, expired, already used, or from another browser")
    provider = _providers().get(pending.provider)
    if provider is None:
        raise InvalidCallback(f"sign-in started with provider {pending.provider!r}, which is no longer configured")
    result = complete_sign_in(provider, pending, request.args.to_dict())
    user_session.sign_in(result)
    log_event("login_succeeded", provider=provider.alias, sub=result.user.sub)
    return redirect(result.return_to)


@bp.post("/logout")
def logout() -> Response:
    """Ends the session here first, then revokes the refresh token and ends the provider's own session.

    Neither of the last two may keep the user signed in: they are best effort, logged, and
    without a provider to talk to the browser still leaves, for `/`.
    """
    if signin_state().load_balancer is not None:
        return load_balancer.sign_out(signin_state())
    ended = _end_this_session()
    if ended is None:
        return redirect("/")
    log_event("logout", provider=ended.provider)
    return _leave_provider(ended)


@bp.post("/logout/everywhere")
def logout_everywhere() -> Response:
    """Signs this user out of every session in this app, on every device, then this browser as /logout does."""
    if signin_state().load_balancer is not None:  # its sessions are the ALB's cookies, one per browser
        abort(404, description="Behind a load balancer that signs people in, sign out ends this browser's session.")
    ended = _end_this_session()
    if ended is None:
        return redirect("/")
    sign_out_everywhere(signin_state(), ended.provider, ended.user.sub)
    return _leave_provider(ended)


def _end_this_session() -> AuthRecord | None:
    """For a sign-out POST: its CSRF token checked, this browser's session ended; the ended record,
    or None when there was no session (nothing to protect, nothing to end)."""
    user_session = current_user_session()
    if user_session.session.new:
        return None
    csrf.protect(request.form.get("csrf_token"))
    return user_session.sign_out()


def _leave_provider(ended: AuthRecord) -> Response:
    """After a sign-out here: revoke the refresh token and send the browser to end the provider's session."""
    provider = _providers().get(ended.provider)
    if provider is None:
        log_event("logout_redirect_failed", logging.WARNING, provider=ended.provider, reason="provider_removed")
        return redirect("/")
    revoke_quietly(provider, ended.tokens.refresh_token)
    try:
        url = logout_url(provider, return_to=signin_state().settings.sign_out_uri, id_token=ended.tokens.id_token)
    except OIDCError as error:
        log_event("logout_redirect_failed", logging.WARNING, provider=provider.alias, reason=error.code,
                  detail=error.detail)
        return redirect("/")
    return redirect(url or "/")
