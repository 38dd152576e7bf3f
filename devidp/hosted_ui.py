"""The browser-facing pages: /oauth2/authorize, the /login page and /logout.

Authorization requests are validated by Authlib; the sign-in page, the
hosted-UI session cookie and Cognito's /logout (which is not OpenID
Connect RP-Initiated Logout) are hand-written because Authlib leaves user
interaction and Cognito's logout shape to the application.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import BaseGrant
from flask import Blueprint, Response, redirect, render_template, request, session

from .context import current_emulator
from .errors import error_page
from .forms import LoginForm
from .models import HostedUISession

log = logging.getLogger("devidp")
bp = Blueprint("hosted_ui", __name__)

INCORRECT_CREDENTIALS = "Incorrect username or password."
FORM_EXPIRED = "Your sign-in form expired. Please sign in again."
#: Cognito's hosted-UI session cookie lasts one hour.
HOSTED_UI_SESSION_SECONDS = 3600
_SESSION_KEY = "sid"


@bp.after_request
def _no_store(response: Response) -> Response:
    # Pages carry CSRF tokens and codes; never let a cache replay them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _same_query() -> str:
    """The request's parameters, re-encoded, to pass along unchanged."""
    return urlencode(list(request.args.items(multi=True)))


def _signed_in() -> HostedUISession | None:
    return current_emulator().store.find_session(session.get(_SESSION_KEY))


def _validated_grant(signed_in: HostedUISession | None) -> BaseGrant | Response:
    """Authlib's grant for this authorization request, or the error response.

    Errors go back to the client's redirect_uri only once Authlib has found
    it registered; otherwise they get an error page, as in Cognito.
    """
    server = current_emulator().server
    try:
        return server.get_consent_grant(end_user=signed_in)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.handle_error_response(request, error)
        return error_page(error.error, error.get_error_description() or "")
    except ValueError:
        # Authlib refuses to quote some characters into its error descriptions.
        return error_page("invalid_request", "The request has malformed parameters.")


@bp.get("/oauth2/authorize")
def authorize() -> Response:
    """Issue a code silently to a signed-in browser, else show the sign-in page."""
    emulator = current_emulator()
    signed_in = _signed_in()
    grant = _validated_grant(signed_in)
    if isinstance(grant, Response):
        return grant
    if signed_in is None or "login" in request.args.get("prompt", "").split():
        return redirect(emulator.url("/login") + "?" + _same_query())
    return emulator.server.create_authorization_response(grant_user=signed_in, grant=grant)


def _login_page(form: LoginForm, error: str | None = None, status: int = 200) -> Response:
    emulator = current_emulator()
    client = emulator.pool.client(request.args.get("client_id"))
    html = render_template(
        "devidp/login.html",
        form=form,
        error=error,
        action=emulator.url("/login") + "?" + _same_query(),
        client_name=(client.name or client.client_id) if client else "",
        pool_id=emulator.pool.pool_id,
        signs_in_with=emulator.pool.signs_in_with,
    )
    return Response(html, status=status)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Cognito's sign-in page; takes the same parameters as /oauth2/authorize."""
    emulator = current_emulator()
    grant = _validated_grant(None)
    if isinstance(grant, Response):
        return grant
    form = LoginForm()
    if request.method == "GET":
        return _login_page(form)
    if not form.validate_on_submit() and form.csrf_token.errors:
        log.warning("POST /login: rejected, missing or invalid CSRF token")
        return _login_page(form, FORM_EXPIRED, status=400)
    username = form.username.data or ""
    user = emulator.pool.authenticate(username, form.password.data or "")
    if user is None:
        log.warning("POST /login: incorrect username or password for %r", username)
        # 200 as Cognito: a browser test's console stays free of HTTP errors.
        return _login_page(form, INCORRECT_CREDENTIALS)
    emulator.store.end_session(session.get(_SESSION_KEY))
    signed_in = emulator.store.start_session(user.username, HOSTED_UI_SESSION_SECONDS)
    session[_SESSION_KEY] = signed_in.sid
    log.info("POST /login: %s signed in", user.username)
    return emulator.server.create_authorization_response(grant_user=signed_in, grant=grant)


@bp.get("/logout")
def logout() -> Response:
    """Cognito's /logout: end the hosted-UI session, then go to a registered URL.

    With ``logout_uri`` it redirects there (a sign-out URL of the client);
    with ``redirect_uri`` and the authorize parameters it shows the sign-in
    page again. Cognito ignores ``post_logout_redirect_uri``/``id_token_hint``.
    """
    emulator = current_emulator()
    client = emulator.pool.client(request.args.get("client_id"))
    if client is None:
        return error_page("invalid_request", "The client_id is missing or unknown.")
    logout_uri = request.args.get("logout_uri")
    redirect_uri = request.args.get("redirect_uri")
    if logout_uri is not None:
        if logout_uri not in client.logout_urls:
            return error_page(
                "redirect_mismatch", "The logout_uri is not one of the app client's sign-out URLs."
            )
        target = logout_uri
    elif redirect_uri is not None:
        if redirect_uri not in client.callback_urls:
            return error_page(
                "redirect_mismatch",
                "The redirect_uri is not one of the app client's callback URLs.",
            )
        target = emulator.url("/login") + "?" + _same_query()
    else:
        return error_page("invalid_request", "A logout_uri or redirect_uri is required.")
    emulator.store.end_session(session.get(_SESSION_KEY))
    session.clear()
    return redirect(target)
