"""/login and /logout when the load balancer signs people in (COGNITO_SIGNIN_MODE=alb).

The ALB's listener rule runs the sign-in; this app never starts one of its own. /login only
sends on a person the ALB has signed in, to where they were going; without the ALB's headers
it says which listener rule is missing. Sign-out is the ELB guide's ("Authentication logout
and session timeout"): the ALB's session cookie expires (each of its shards, <name>-0, -1, …),
then the browser goes to Cognito's /logout so that the hosted UI's session ends too, else the
ALB's next sign-in would be silent.
"""

from __future__ import annotations

import logging

from flask import abort, g, redirect, request
from werkzeug.wrappers import Response

from flask_cognito_signin.events import log_event
from flask_cognito_signin.oidc import OIDCError
from flask_cognito_signin.oidc.signout import logout_url
from flask_cognito_signin.state import SignInState
from flask_cognito_signin.user_session import current_user_session

from . import csrf

_NOT_SIGNED_IN = ("The load balancer in front of this app signs people in, and it did not sign you in on the way "
                  "here: its listener rule for this path needs the authenticate-cognito action with "
                  "OnUnauthenticatedRequest set to authenticate.")


def login(return_to: str) -> Response:
    """Where the ALB sends a person it has signed in; nobody else gets this far on a configured listener."""
    if g.get("load_balancer") is None:
        abort(401, description=_NOT_SIGNED_IN)
    return redirect(return_to)


def sign_out(state: SignInState) -> Response:
    """The sign-out form's POST: its CSRF token checked, the ALB's cookie expired, Cognito's session ended."""
    csrf.protect(request.form.get("csrf_token"))
    current_user_session().sign_out()  # what this app keeps for the browser: the CSRF token
    provider = next(iter(state.providers.values()))
    try:
        url = logout_url(provider, return_to=state.settings.sign_out_uri, id_token=None)
    except OIDCError as error:
        log_event("logout_redirect_failed", logging.WARNING, provider=provider.alias, reason=error.code,
                  detail=error.detail)
        url = None
    response = redirect(url or "/")
    cookie = state.settings.load_balancer.session_cookie
    for name in {f"{cookie}-0", *(name for name in request.cookies if name.startswith(f"{cookie}-"))}:
        response.delete_cookie(name, path="/", secure=state.settings.secure_cookies, httponly=True)
    log_event("logout", provider=provider.alias, signed_in_by="alb")
    return response
