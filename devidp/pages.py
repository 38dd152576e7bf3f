"""Building blocks of the hosted-UI pages: the authorization request they carry along,
the hosted-UI session, the sign-in form, and Cognito's /error redirect."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import BaseGrant
from flask import Response, redirect, render_template, request, session

from . import mismatch
from .config import COGNITO_PROVIDER, AppClient, User
from .context import current_emulator
from .forms import LoginForm
from .localization import page_language, sign_in_label, translate
from .models import HostedUISession
from .oauth import RedirectMismatchError

log = logging.getLogger("devidp")

#: Cognito's hosted-UI session cookie lasts one hour.
HOSTED_UI_SESSION_SECONDS = 3600
SESSION_KEY = "sid"


def no_store(response: Response) -> Response:
    """Pages carry CSRF tokens and codes; never let a cache replay them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def same_query() -> str:
    """The request's parameters, re-encoded, to pass along unchanged."""
    return urlencode(list(request.args.items(multi=True)))


def signed_in() -> HostedUISession | None:
    return current_emulator().store.find_session(session.get(SESSION_KEY))


def sign_in(user: User, grant: BaseGrant) -> Response:
    """Start the hosted-UI session (replacing any) and send the code to the client."""
    emulator = current_emulator()
    emulator.store.end_session(session.get(SESSION_KEY))
    started = emulator.store.start_session(user.username, HOSTED_UI_SESSION_SECONDS)
    session[SESSION_KEY] = started.sid
    log.info("%s %s: %s signed in", request.method, request.path, user.username)
    # The grant's own request: after an identity provider, it is the stored one.
    return emulator.server.create_authorization_response(
        request=grant.request, grant_user=started, grant=grant
    )


def error_redirect(error: str, why: str) -> Response:
    """Send the browser to the domain's /error page, as Cognito does.

    Cognito developer guide, "Authorize endpoint" and "Logout endpoint": a
    request whose client or redirect URL cannot be trusted is never sent back
    to it; the browser lands on ``https://<domain>/error?error=...&client_id=...``
    (no error_description). ``why`` goes to the emulator's log only.
    """
    log.warning("%s %s: %s (%s)", request.method, request.path, error, why)
    query = {"error": error}
    if request.args.get("client_id"):
        query["client_id"] = request.args["client_id"]
    return redirect(current_emulator().url("/error") + "?" + urlencode(query))


def mismatch_redirect(parameter: str, why: str) -> Response:
    """error_redirect for a redirect_uri or logout_uri the client has not registered; the /error page
    then says which was asked for and which are registered (mismatch.py)."""
    asked = request.args.get(parameter)
    mismatch.remember(parameter, asked)
    registered = ", ".join(mismatch.registered_for(request.args.get("client_id"), parameter)) or "none"
    return error_redirect("redirect_mismatch", f"{why} Asked for {ascii(asked)[:300]}; registered: {registered}.")


def validated_grant(
    end_user: HostedUISession | None, stored: OAuth2Request | None = None
) -> BaseGrant | Response:
    """Authlib's grant for this authorization request (or the ``stored`` one), or the
    error response.

    Errors go back to the client's redirect_uri only once Authlib has found
    it registered; otherwise to the /error page, as in Cognito.
    """
    server = current_emulator().server
    try:
        return server.get_consent_grant(request=stored, end_user=end_user)
    except OAuth2Error as error:
        if error.redirect_uri:
            return server.handle_error_response(request, error)
        if error.error == RedirectMismatchError.error and stored is None:
            return mismatch_redirect("redirect_uri", error.get_error_description() or "")
        return error_redirect(error.error, error.get_error_description() or "")
    except ValueError:
        # Authlib refuses to quote some characters into its error descriptions.
        return error_redirect("invalid_request", "The request has malformed parameters.")


def login_page(form: LoginForm, error: str | None = None, status: int = 200) -> Response:
    """The sign-in page: the password form if the client supports COGNITO, and a link per
    identity provider it supports (Cognito's "Sign in with your corporate ID").

    In the language of ``lang`` (localization.py). Cognito developer guide, "Authorize
    endpoint" and "Login endpoint": ``login_hint`` fills the user name field.
    """
    emulator = current_emulator()
    client = emulator.pool.client(request.args.get("client_id"))
    language = page_language()
    if form.username.data is None:
        form.username.data = request.args.get("login_hint")
    html = render_template(
        "devidp/login.html",
        form=form,
        error=translate(error, language),
        lang=language,
        t=lambda text: translate(text, language),
        action=emulator.url("/login") + "?" + same_query(),
        client_name=(client.name or client.client_id) if client else "",
        pool_id=emulator.pool.pool_id,
        signs_in_with=sign_in_label(emulator.pool.signs_in_with, language),
        password_sign_in=client is not None and client.supports(COGNITO_PROVIDER),
        providers=_provider_links(client),
    )
    return Response(html, status=status)


def _provider_links(client: AppClient | None) -> list[tuple[str, str]]:
    """(name, URL) of each identity provider of the client: the same authorization
    request, with ``identity_provider`` naming it."""
    if client is None:
        return []
    emulator = current_emulator()
    params = [
        (k, v)
        for k, v in request.args.items(multi=True)
        if k not in ("identity_provider", "idp_identifier")
    ]
    authorize = emulator.url("/oauth2/authorize")
    return [
        (name, authorize + "?" + urlencode([*params, ("identity_provider", name)]))
        for name in client.supported_identity_providers
        if name != COGNITO_PROVIDER
    ]
