"""What a user must do between the password and the session: a new password, then a TOTP code.

Cognito developer guide, "Authentication flows" and "Adding MFA to a user pool": an
administrator-created user (FORCE_CHANGE_PASSWORD) must choose a new password that meets
the pool's password policy at first sign-in (the NEW_PASSWORD_REQUIRED challenge), and a
user with software-token MFA enters the authenticator's 6-digit code after the password
(SOFTWARE_TOKEN_MFA). Neither can be skipped: no hosted-UI session and no code exist until
the last step is answered. The pages' paths are the emulator's own.
"""

from __future__ import annotations

import logging

from authlib.oauth2.rfc6749 import BaseGrant
from flask import Blueprint, Response, redirect, render_template, request, session

from .config import FORCE_CHANGE_PASSWORD, ConfigError, User
from .context import current_emulator
from .directory import UserNotFound
from .forms import LoginForm, MfaForm, NewPasswordForm
from .mfa import matching_step
from .models import Challenge
from .pages import login_page, no_store, same_query, sign_in, validated_grant

log = logging.getLogger("devidp")
bp = Blueprint("sign_in_steps", __name__)
bp.after_request(no_store)

#: The steps in the order Cognito asks them, with their pages.
STEPS = {"new_password": "/login/new-password", "mfa": "/login/mfa"}
#: Cognito's AuthSessionValidity default: 3 minutes to answer a challenge.
CHALLENGE_SECONDS = 180
#: Wrong answers before the sign-in starts over (a 6-digit code is guessable otherwise).
MAX_FAILURES = 5
_CHALLENGE_KEY = "challenge"

SIGN_IN_AGAIN = "Your sign-in session expired. Please sign in again."
TOO_MANY_ATTEMPTS = "Too many failed attempts. Please sign in again."
PASSWORDS_DIFFER = "The passwords do not match."
INCORRECT_CODE = "Incorrect code. Enter the current code from your authenticator app."
FORM_EXPIRED = "Your form expired. Please try again."


def _steps_for(user: User) -> list[str]:
    needed = {"new_password": user.status == FORCE_CHANGE_PASSWORD, "mfa": bool(user.totp_secret)}
    return [step for step in STEPS if needed[step]]


def next_step(user: User, grant: BaseGrant, answered: Challenge | None = None) -> Response:
    """The page of the next step the user must answer, or, with none left, the session and the code."""
    emulator = current_emulator()
    order = list(STEPS)
    remaining = [
        s for s in _steps_for(user) if answered is None or order.index(s) > order.index(answered.step)
    ]
    if not remaining:
        if answered is not None:
            emulator.store.end_challenge(answered.id)
        session.pop(_CHALLENGE_KEY, None)
        return sign_in(user, grant)
    if answered is None:
        challenge = emulator.store.start_challenge(user.username, remaining[0], CHALLENGE_SECONDS)
    else:
        challenge = emulator.store.advance_challenge(answered, remaining[0])
    session[_CHALLENGE_KEY] = challenge.id
    return redirect(emulator.url(STEPS[challenge.step]) + "?" + same_query())


def _start_over(message: str) -> Response:
    current_emulator().store.end_challenge(session.pop(_CHALLENGE_KEY, None))
    return login_page(LoginForm(), message, status=400)


def _page(template: str, form, error: str | None = None) -> Response:
    emulator = current_emulator()
    html = render_template(
        template,
        form=form,
        error=error,
        action=emulator.url(request.path) + "?" + same_query(),
        pool_id=emulator.pool.pool_id,
    )
    return Response(html)


def _current(step: str) -> tuple[BaseGrant, Challenge, User] | Response:
    """The authorization request, this browser's challenge at ``step`` and its user."""
    grant = validated_grant(None)
    if isinstance(grant, Response):
        return grant
    emulator = current_emulator()
    challenge = emulator.store.find_challenge(session.get(_CHALLENGE_KEY), step)
    user = emulator.pool.active_user(challenge.username) if challenge else None
    if challenge is None or user is None:
        log.warning("%s %s: no live challenge at this step", request.method, request.path)
        return _start_over(SIGN_IN_AGAIN)
    return grant, challenge, user


@bp.route(STEPS["new_password"], methods=["GET", "POST"])
def new_password() -> Response:
    """NEW_PASSWORD_REQUIRED: the new password must meet the pool's password policy."""
    found = _current("new_password")
    if isinstance(found, Response):
        return found
    grant, challenge, user = found
    form = NewPasswordForm()
    template = "devidp/new_password.html"
    if request.method == "GET":
        return _page(template, form)
    if not form.validate_on_submit():
        return _page(template, form, FORM_EXPIRED if form.csrf_token.errors else PASSWORDS_DIFFER)
    if form.password.data != form.confirmation.data:
        return _page(template, form, PASSWORDS_DIFFER)
    try:
        user = current_emulator().directory.set_password(user.username, form.password.data)
    except ConfigError as error:
        return _page(template, form, f"Password does not conform to policy: {error}")
    except UserNotFound:
        return _start_over(SIGN_IN_AGAIN)
    log.info("POST %s: %s chose a new password", request.path, user.username)
    return next_step(user, grant, challenge)


@bp.route(STEPS["mfa"], methods=["GET", "POST"])
def mfa() -> Response:
    """SOFTWARE_TOKEN_MFA: the current TOTP code, each code accepted once."""
    found = _current("mfa")
    if isinstance(found, Response):
        return found
    grant, challenge, user = found
    form = MfaForm()
    template = "devidp/mfa.html"
    if request.method == "GET":
        return _page(template, form)
    if not form.validate_on_submit() and form.csrf_token.errors:
        return _page(template, form, FORM_EXPIRED)
    store = current_emulator().store
    step = matching_step(user.totp_secret or "", (form.code.data or "").strip(), store.clock())
    if step is None or not store.use_totp_step(user.username, step):
        log.warning("POST %s: incorrect or reused code for %s", request.path, user.username)
        if not store.fail_challenge(challenge, MAX_FAILURES):
            return _start_over(TOO_MANY_ATTEMPTS)
        return _page(template, form, INCORRECT_CODE)
    return next_step(user, grant, challenge)
