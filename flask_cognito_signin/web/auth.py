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
from flask_cognito_signin.oidc.signin import SignIn, begin_sign_in, complete_sign_in
from flask_cognito_signin.oidc.signout import logout_url
from flask_cognito_signin.settings import CALLBACK_PATH, is_loopback_host
from flask_cognito_signin.sign_out import revoke_login_quietly, revoke_quietly, sign_out_everywhere
from flask_cognito_signin.state import signin_state
from flask_cognito_signin.user_session import UserSession, current_user_session

from . import csrf, headers, home_realm, load_balancer
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
def login(alias: str | None = None) -> Response | str | tuple[str, int]:
    """Start a sign-in with the provider named by alias, or found by the address in login_hint (see
    home_realm); with several providers and neither, let the user pick.

    `max_age` (seconds) asks for a fresh sign-in, the step-up of fresh_login_required: the user types
    the password again, and the callback accepts only an authentication at most that old.
    """
    settings = signin_state().settings
    canonical = _canonical_login_url(settings.app_base_url)
    if canonical:
        return redirect(canonical)
    return_to = safe_return_to(request.args.get("next"))
    if settings.load_balancer is not None:  # the ALB signs people in, never the app itself
        return load_balancer.login(return_to)
    max_age = _max_age(request.args.get("max_age"))
    hint = _login_hint()
    provider = _chosen_provider(alias, hint)
    if not isinstance(provider, Provider):  # none named or found: the choice page, saying why if the address failed
        page = render_template("cognito_signin/choose.html", providers=_providers().values(), next_path=return_to,
                               login_hint=hint, problem=provider, max_age=max_age)
        return (page, 400) if provider else page
    authorization_url, pending = begin_sign_in(provider, settings.redirect_uri, return_to, max_age, login_hint=hint)
    current_user_session().remember_pending(pending)
    log_event("login_started", provider=provider.alias, **({"max_age": max_age} if max_age is not None else {}))
    return redirect(authorization_url)


#: The longest max_age /login takes (a day): a step-up asks for minutes.
_MAX_AGE_LIMIT = 86400


def _max_age(value: str | None) -> int | None:
    """The step-up's max_age from the query: whole seconds, or 400."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and int(value) <= _MAX_AGE_LIMIT):
        abort(400, description=f"max_age must be a whole number of seconds from 0 to {_MAX_AGE_LIMIT}.")
    return int(value)


def _login_hint() -> str | None:
    """The request's login_hint, to pass on to the provider: 400 unless it could be an address."""
    hint = request.args.get("login_hint", "").strip() or None
    if hint is not None and not home_realm.usable_hint(hint):
        abort(400, description=f"login_hint must be an email address of at most {home_realm.MAX_ADDRESS_LENGTH} "
                               "printable characters.")
    return hint


def _chosen_provider(alias: str | None, hint: str | None) -> Provider | str | None:
    """The provider `alias` names (else 404), or the one of the address in `hint` (else why none is),
    or the only one; None: the user picks."""
    providers = _providers()
    if alias is not None:
        provider = providers.get(alias)
        if provider is None:
            abort(404, description=f"No identity provider is called {alias!r}.")
        return provider
    if hint is not None:
        return home_realm.provider_for_address(providers.values(), hint)
    return next(iter(providers.values())) if len(providers) == 1 else None


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
        raise InvalidCallback("callback has no state", fix="the browser came back without the answer to a sign-in "
                                                           "this app started: start again from the app's /login")
    user_session = current_user_session()
    pending = user_session.take_pending(state)
    if pending is None:
        raise InvalidCallback("state is unknown, expired, already used, or from another browser",
                              fix=_lost_sign_in_fix(signin_state().settings.app_base_url))
    provider = _providers().get(pending.provider)
    if provider is None:
        raise InvalidCallback(f"sign-in started with provider {pending.provider!r}, which is no longer configured",
                              fix="start the sign-in again")
    result = complete_sign_in(provider, pending, request.args.to_dict())
    if pending.max_age is not None:
        _note_step_up(user_session, result)
    replaced = user_session.sign_in(result)
    log_event("login_succeeded", provider=provider.alias, sub=result.user.sub)
    if replaced is not None:
        revoke_login_quietly(signin_state(), replaced)
    return redirect(result.return_to)


def _note_step_up(user_session: UserSession, result: SignIn) -> None:
    """A step-up is a whole new sign-in: it replaces the session like any other. When someone else signed in
    at the password prompt, the session of the one who was signed in ends here and theirs begins, with
    nothing of the old one (see docs/step-up.md); that is logged, as it is worth a look."""
    before = user_session.record
    if before is not None and (before.provider, before.user.sub) != (result.provider, result.user.sub):
        log_event("step_up_by_another_user", logging.WARNING, provider=result.provider, sub=result.user.sub,
                  replaced_sub=before.user.sub)


def _lost_sign_in_fix(app_base_url: str) -> str:
    """A state this browser has no pending sign-in for: a stale tab, a replay, or (when every sign-in ends
    here) a cookie set on one host and the callback on another."""
    return (f"start again; if every sign-in ends here, open the app at APP_BASE_URL ({app_base_url}) exactly, as "
            "the callback goes there: the cookie /login set is sent back only to the same scheme and host")


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
        log_event("logout_redirect_failed", logging.WARNING, error.explanation, provider=provider.alias,
                  reason=error.code, detail=error.detail)
        return redirect("/")
    return redirect(url or "/")
