"""The browser-facing pages: /oauth2/authorize, the /login page, /logout and /error.

Authorization requests are validated by Authlib; the sign-in page, the
hosted-UI session cookie and Cognito's /logout (which is not OpenID
Connect RP-Initiated Logout) are hand-written because Authlib leaves user
interaction and Cognito's logout shape to the application. What a user must
do after the password (a new password, a TOTP code) is in sign_in_steps.py.
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, redirect, request, session

from . import federation, mismatch
from .config import COGNITO_PROVIDER
from .context import current_emulator
from .errors import render_error_page
from .forms import LoginForm
from .pages import (
    SESSION_KEY,
    error_redirect,
    login_page,
    mismatch_redirect,
    no_store,
    same_query,
    signed_in,
    validated_grant,
)
from .sign_in_steps import next_step

log = logging.getLogger("devidp")
bp = Blueprint("hosted_ui", __name__)
bp.after_request(no_store)

INCORRECT_CREDENTIALS = "Incorrect username or password."
FORM_EXPIRED = "Your sign-in form expired. Please sign in again."
#: Cognito's error names for its /error page (observed on AWS: the guide shows the
#: page, "An error was encountered with the requested page.", not the codes).
REDIRECT_MISMATCH = "redirect_mismatch"
REQUIRED_PARAMETERS_MISSING = "Required parameters missing"
#: What the /error page shows of its ``error`` parameter; anything else is not echoed.
_SHOWN_ERROR = re.compile(r"^[\w .-]{1,64}$")


@bp.get("/oauth2/authorize")
def authorize() -> Response:
    """Issue a code silently to a signed-in browser, else show the sign-in page; with
    ``identity_provider`` or ``idp_identifier``, go to that provider instead."""
    emulator = current_emulator()
    session_user = signed_in()
    grant = validated_grant(session_user)
    if isinstance(grant, Response):
        return grant
    provider = federation.requested_provider(grant)
    if isinstance(provider, Response):
        return provider
    if provider is not None:
        return federation.start(provider, grant)
    # prompt=login asks for the password again despite the session (Cognito developer guide,
    # "Authorize endpoint"). The guide documents no max_age, so none is honoured here either.
    if session_user is None or "login" in request.args.get("prompt", "").split():
        return redirect(emulator.url("/login") + "?" + same_query())
    return emulator.server.create_authorization_response(grant_user=session_user, grant=grant)


@bp.get("/error")
def error() -> Response:
    """The domain's error page that Cognito's redirects end on.

    It answers 400 (Cognito's status is not documented) so that a test or a
    browser sees a failure. Only a plain error name is echoed, never markup or
    long text that a crafted link could use to put words in the page's mouth.
    For redirect_mismatch it also says what was asked and what is registered
    (mismatch.py), from this browser's session and the pool, not the link.
    """
    name = request.args.get("error", "")
    explained = mismatch.explain(request.args.get("client_id")) if name == REDIRECT_MISMATCH else None
    return render_error_page(name if _SHOWN_ERROR.match(name) else "", mismatch=explained)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Cognito's sign-in page; takes the same parameters as /oauth2/authorize."""
    emulator = current_emulator()
    grant = validated_grant(None)
    if isinstance(grant, Response):
        return grant
    form = LoginForm()
    if request.method == "GET":
        return login_page(form)
    if not grant.request.client.app_client.supports(COGNITO_PROVIDER):
        # The client's users sign in at its identity providers only.
        return error_redirect(
            federation.LOGIN_OPTION_NOT_AVAILABLE, "the client does not support COGNITO"
        )
    if not form.validate_on_submit() and form.csrf_token.errors:
        log.warning("POST /login: rejected, missing or invalid CSRF token")
        return login_page(form, FORM_EXPIRED, status=400)
    username = form.username.data or ""
    user = emulator.pool.authenticate(username, form.password.data or "")
    if user is None:
        log.warning("POST /login: incorrect username or password for %r", username)
        # 200 as Cognito: a browser test's console stays free of HTTP errors.
        return login_page(form, INCORRECT_CREDENTIALS)
    return next_step(user, grant)


@bp.get("/logout")
def logout() -> Response:
    """Cognito's /logout: end the hosted-UI session, then go to a registered URL.

    With ``logout_uri`` it redirects there (a sign-out URL of the client);
    with ``redirect_uri`` and the authorize parameters it shows the sign-in
    page again. Cognito ignores ``post_logout_redirect_uri``/``id_token_hint``.
    """
    emulator = current_emulator()
    client_id = request.args.get("client_id")
    logout_uri = request.args.get("logout_uri")
    redirect_uri = request.args.get("redirect_uri")
    if not client_id or (logout_uri is None and redirect_uri is None):
        # "Amazon Cognito requires either a logout_uri or a redirect_uri" (and client_id).
        return error_redirect(
            REQUIRED_PARAMETERS_MISSING, "client_id and a logout_uri or redirect_uri are required"
        )
    client = emulator.pool.client(client_id)
    if client is None:
        return error_redirect("invalid_client", "The client_id is unknown.")
    if logout_uri is not None:
        if logout_uri not in client.logout_urls:
            return mismatch_redirect(
                "logout_uri", "The logout_uri is not one of the app client's sign-out URLs."
            )
        target = logout_uri
    else:
        if redirect_uri not in client.callback_urls:
            return mismatch_redirect(
                "redirect_uri", "The redirect_uri is not one of the app client's callback URLs."
            )
        target = emulator.url("/login") + "?" + same_query()
    emulator.store.end_session(session.get(SESSION_KEY))
    session.clear()
    return redirect(target)
